fn main() -> std::process::ExitCode {
    tg_iam::tools::ExportIam::main()
}
