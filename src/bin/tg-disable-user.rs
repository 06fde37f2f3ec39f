fn main() -> std::process::ExitCode {
    tg_iam::tools::DisableUser::main()
}
