fn main() -> std::process::ExitCode {
    tg_iam::tools::RotateApiKey::main()
}
