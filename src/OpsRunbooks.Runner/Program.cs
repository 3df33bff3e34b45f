using OpsRunbooks.Runner;

// opsrunbook: runs a runbook script in the embedded PowerShell engine with the OpsRunbooks module
// loaded, for scheduled tasks. ExitCodes says what its exit status means.
return args switch
{
    ["--help" or "-h" or "help"] => Usage.PrintHelp(),
    ["--version"] => Usage.PrintVersion(),
    ["run", .. var rest] => RunbookRun.Run(rest),
    _ => Usage.Wrong(args.Length == 0 ? "no command given." : $"'{string.Join(' ', args)}' is not a command."),
};
