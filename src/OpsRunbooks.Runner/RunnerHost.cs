using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace OpsRunbooks.Runner;

/// <summary>
/// A non-interactive host: what the engine formats (Out-Default, format views) goes to standard output,
/// warnings and errors to standard error. It cannot prompt; a script that asks for input fails.
/// </summary>
public sealed partial class RunnerHost : PSHost
{
    private readonly RunnerUserInterface _ui = new();

    public override string Name => "opsrunbook";
    public override Version Version => typeof(RunnerHost).Assembly.GetName().Version ?? new Version(0, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public int? ExitCode { get; private set; }

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException("opsrunbook runs scripts unattended and has no nested prompt.");
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed partial class RunnerUserInterface : PSHostUserInterface
    {
        // Logs of scheduled tasks should not hold the colour codes of the table headers.
        private static readonly bool Plain = Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is not null;
        private readonly RunnerRawUserInterface _raw = new();

        public override PSHostRawUserInterface RawUI => _raw;

        public override void Write(string value) => Console.Out.Write(Render(value));
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Console.Out.Write(Render(value));
        public override void WriteLine(string value) => Console.Out.WriteLine(Render(value));
        public override void WriteErrorLine(string value) => Console.Error.WriteLine(Render(value));
        public override void WriteDebugLine(string message) => Console.Error.WriteLine("DEBUG: " + Render(message));
        public override void WriteVerboseLine(string message) => Console.Error.WriteLine("VERBOSE: " + Render(message));
        public override void WriteWarningLine(string message) => Console.Error.WriteLine("WARNING: " + Render(message));

        private static string Render(string text) => Plain ? EscapeSequence().Replace(text, "") : text;

        [System.Text.RegularExpressions.GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
        private static partial System.Text.RegularExpressions.Regex EscapeSequence();
        public override void WriteProgress(long sourceId, ProgressRecord record) { }

        public override string ReadLine() => throw Unattended();
        public override SecureString ReadLineAsSecureString() => throw Unattended();
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) => throw Unattended();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw Unattended();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw Unattended();
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) => throw Unattended();

        private static PSInvalidOperationException Unattended() =>
            new("opsrunbook runs unattended and cannot prompt. Pass every value as a parameter (and -Confirm:$false where a command asks for confirmation).");
    }

    private sealed class RunnerRawUserInterface : PSHostRawUserInterface
    {
        // Wide enough that tables of backups are not cut when the output goes to a log file.
        private static readonly Size Width = new(Console.IsOutputRedirected ? 160 : Math.Max(80, SafeWindowWidth()), 9999);

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override Size BufferSize { get => Width; set { } }
        public override Size WindowSize { get => Width; set { } }
        public override Size MaxWindowSize => Width;
        public override Size MaxPhysicalWindowSize => Width;
        public override Coordinates WindowPosition { get; set; }
        public override bool KeyAvailable => false;
        public override string WindowTitle { get; set; } = "opsrunbook";

        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("opsrunbook runs unattended.");
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }

        private static int SafeWindowWidth()
        {
            try
            {
                return Console.WindowWidth;
            }
            catch (IOException)
            {
                return 160;
            }
        }
    }
}
