using System.Diagnostics;
using System.Text;

namespace Nattt.Lab;

/// <summary>
/// A program the lab started in the background inside a namespace. The lab kills it (by its own PID, never by name)
/// when the lab is disposed. Output is collected so that a failing test can show it.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new(); // guarded by itself
    private bool _disposed;
    private int _exitCode;

    internal LabProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        Pid = process.Id;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    /// <summary>The program's PID (kept after disposal, for leak checks).</summary>
    public int Pid { get; }
    public bool HasExited => _disposed || _process.HasExited;
    public int? ExitCode => _disposed ? _exitCode : _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the process wrote to stdout and stderr so far, interleaved.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Raised for every line of output (used to wait for "ready" lines).</summary>
    public event Action<string>? Line;

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        Line?.Invoke(line);
    }

    /// <summary>Waits until a line containing <paramref name="text"/> appears; false on timeout or exit.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) { _process.WaitForExit(); return Output.Contains(text, StringComparison.Ordinal); }
            Thread.Sleep(50);
        }
        return false;
    }

    /// <summary>Sends SIGTERM and waits up to <paramref name="grace"/>; then SIGKILL. Descendants it forked (socat's
    /// per-peer children, say) are ours too and are killed after it, so none keeps its output pipes open. Returns the
    /// exit code. Never waits without a bound.</summary>
    public int Stop(TimeSpan? grace = null)
    {
        if (_disposed) return _exitCode;
        var descendants = ProcessTree.Descendants(Pid);
        if (!_process.HasExited)
        {
            Native.Kill(_process.Id, Native.SIGTERM);
            if (!_process.WaitForExit(grace ?? TimeSpan.FromSeconds(5)))
            {
                try { _process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { /* it exited meanwhile */ }
            }
        }
        foreach (var pid in descendants.Concat(ProcessTree.Descendants(Pid)))
            if (Native.IsAlive(pid)) Native.Kill(pid, Native.SIGKILL);
        // The bounded wait also lets the asynchronous readers drain; an unbounded one would wait for every holder of
        // the pipes to close them.
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        return _exitCode = _process.HasExited ? _process.ExitCode : -1;
    }

    /// <summary>Stops the process (idempotent: a test's <c>using</c> and the lab's teardown may both call it).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        Stop(TimeSpan.FromSeconds(3));
        _disposed = true;
        _process.Dispose();
    }
}
