using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nattt.Platform.Linux;

namespace Nattt.Cli.Commands;

/// <summary>What every daemon command shares: --config, --log-level, --log-format, signals, one-line errors.</summary>
internal static class CliSupport
{
    public static readonly Option<FileInfo?> Config = new("--config")
    {
        Description = "Read options from this JSON file ({\"option-name\": value, ...}, arrays for repeatable options). " +
                      "Options given on the command line win over the file. Defaults to none.",
    };

    public static readonly Option<LogLevel> LogLevel = new("--log-level")
    {
        Description = "Least severe log level written: Trace, Debug, Information, Warning, Error. Defaults to Information.",
        DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Information,
    };

    public static readonly Option<string> LogFormat = new("--log-format")
    {
        Description = "Log line format on stderr: 'text' (one line per event) or 'json' (one JSON object per line). Defaults to text.",
        DefaultValueFactory = _ => "text",
    };

    public static void AddDaemonOptions(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(LogLevel);
        command.Options.Add(LogFormat);
        LogFormat.AcceptOnlyFromAmong("text", "json");
    }

    public static ILoggerFactory CreateLoggers(ParseResult result) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(result.GetValue(LogLevel));
        if (result.GetValue(LogFormat) == "json")
            b.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        else
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; o.UseUtcTimestamp = true; });
        b.AddConsole(o => o.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace);
    });

    /// <summary>Reads the effective value of an option: the command line if given there, else the config file, else
    /// the default.</summary>
    public sealed class Effective
    {
        private readonly ParseResult _cli;
        private readonly ParseResult? _file;

        private Effective(ParseResult cli, ParseResult? file) { _cli = cli; _file = file; }

        public T Get<T>(Option<T> option)
        {
            var given = _cli.GetResult(option) is { Implicit: false };
            if (given || _file is null || _file.GetResult(option) is null or { Implicit: true }) return _cli.GetValue(option)!;
            return _file.GetValue(option)!;
        }

        /// <summary>Loads the --config file into a second parse of the same command. Throws <see cref="UsageException"/>.</summary>
        public static Effective Load(ParseResult cli)
        {
            var file = cli.GetValue(Config);
            if (file is null) return new Effective(cli, null);
            if (!file.Exists) throw new UsageException($"config file {file.FullName} does not exist");
            var tokens = new List<string>();
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file.FullName));
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new UsageException($"{file.Name}: the top level must be a JSON object");
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Name is "config") throw new UsageException($"{file.Name}: a config file cannot name another config file");
                    var values = p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().ToList() : [p.Value];
                    foreach (var v in values)
                    {
                        if (v.ValueKind == JsonValueKind.True) { tokens.Add("--" + p.Name); continue; }
                        if (v.ValueKind == JsonValueKind.False) continue;
                        tokens.Add("--" + p.Name);
                        tokens.Add(v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText());
                    }
                }
            }
            catch (JsonException e) { throw new UsageException($"{file.Name}: not valid JSON: {e.Message}"); }
            var parsed = cli.CommandResult.Command.Parse(tokens);
            if (parsed.Errors.Count > 0) throw new UsageException($"{file.Name}: {parsed.Errors[0].Message}");
            return new Effective(cli, parsed);
        }
    }

    /// <summary>Runs a daemon until SIGTERM or SIGINT; prints one-line errors and returns the exit code.</summary>
    public static async Task<int> RunDaemonAsync(string name, Func<Task<IAsyncDisposable>> start)
    {
        IAsyncDisposable daemon;
        try { daemon = await start(); }
        catch (UsageException e) { return Fail(name, e.Message, 2); }
        catch (PlatformException e) { return Fail(name, e.Message, 1); }
        catch (ArgumentException e) { return Fail(name, e.Message, 2); }
        catch (InvalidOperationException e) { return Fail(name, e.Message, 1); }
        catch (System.Net.Sockets.SocketException e) { return Fail(name, e.Message, 1); }
        catch (IOException e) { return Fail(name, e.Message, 1); }
        catch (UnauthorizedAccessException e) { return Fail(name, e.Message, 1); }
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
        await daemon.DisposeAsync();
        return 0;
    }

    public static int Fail(string name, string message, int code)
    {
        Console.Error.WriteLine($"nattt {name}: {message}");
        return code;
    }
}

/// <summary>A bad option or option value, reported as one line with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
