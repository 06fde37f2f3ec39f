fn main() -> std::process::ExitCode {
    tg_iam::tools::Apply::main()
}
