fn main() -> std::process::ExitCode {
    tg_iam::apply::Apply::main()
}
