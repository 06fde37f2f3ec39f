fn main() -> std::process::ExitCode {
    tg_iam::tools::CredentialReport::main()
}
