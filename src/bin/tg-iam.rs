fn main() -> std::process::ExitCode {
    tg_iam::multicall::main()
}
