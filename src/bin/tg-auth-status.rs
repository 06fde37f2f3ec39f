fn main() -> std::process::ExitCode {
    tg_iam::run::<tg_iam::tools::AuthStatus>()
}
