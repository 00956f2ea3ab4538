using System.Diagnostics;
using System.Text;

namespace Nattt.Lab;

/// <summary>The result of a finished command.</summary>
public sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws <see cref="LabException"/> with the command's output when it failed.</summary>
    public CommandResult EnsureSuccess()
    {
        if (!Succeeded)
            throw new LabException($"'{Command}' exited with {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}".Trim());
        return this;
    }
}

/// <summary>A failure of the lab itself (a command that set up the topology failed), not of the system under test.</summary>
public sealed class LabException(string message) : Exception(message);

/// <summary>Runs programs to completion with a time limit. Thread-safe (no shared state).</summary>
public static class Shell
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>, optionally feeding <paramref name="stdin"/>,
    /// and kills it (by its own PID) if it outlives <paramref name="timeout"/>.</summary>
    public static CommandResult Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var text = file + " " + string.Join(' ', psi.ArgumentList);
        using var p = Process.Start(psi) ?? throw new LabException($"could not start {file}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        if (!p.WaitForExit(limit))
        {
            try { p.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { /* exited between the check and the kill */ }
            p.WaitForExit();
            return new CommandResult(text, 124, stdout.ToString(), stderr + $"\n(timed out after {limit.TotalSeconds:0.#} s)");
        }
        p.WaitForExit(); // flushes the asynchronous readers
        return new CommandResult(text, p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    public static CommandResult Run(string file, params string[] args) => Run(file, (IEnumerable<string>)args);

    /// <summary>Runs a command line through /bin/sh -c (for pipes and redirections in scenario scripts).</summary>
    public static CommandResult Sh(string script, TimeSpan? timeout = null) => Run("/bin/sh", ["-c", script], timeout);

    /// <summary>True when <paramref name="program"/> is found on PATH.</summary>
    public static bool Has(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
}
