using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Nattt.Platform.Linux;

/// <summary>
/// Interface, route, rule and nftables configuration through iproute2 and nft. We drive the tools rather than speak
/// netlink ourselves: they are on every Linux router, their error messages are what operators know, and these calls
/// happen only at start and stop, never per packet.
/// </summary>
public sealed class NetworkConfig(ILogger logger)
{
    /// <summary>Runs <c>ip ARGS</c>; throws <see cref="PlatformException"/> with ip's own message on failure.</summary>
    public void Ip(params string[] args) => Run("ip", args, null, mustSucceed: true);

    /// <summary>Runs <c>ip ARGS</c> and ignores a failure (used to clear what may not exist).</summary>
    public bool TryIp(params string[] args) => Run("ip", args, null, mustSucceed: false);

    /// <summary>Loads an nftables script (<c>nft -f -</c>).</summary>
    public void Nft(string script) => Run("nft", ["-f", "-"], script, mustSucceed: true);

    public bool TryNft(params string[] args) => Run("nft", args, null, mustSucceed: false);

    /// <summary>Reads a sysctl under /proc/sys (e.g. "net/ipv4/ip_forward").</summary>
    public static string? ReadSysctl(string path)
    {
        var file = Path.Combine("/proc/sys", path);
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    public void WriteSysctl(string path, string value)
    {
        try { File.WriteAllText(Path.Combine("/proc/sys", path), value); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlatformException($"cannot set {path.Replace('/', '.')}={value}: {e.Message}");
        }
    }

    private bool Run(string file, IEnumerable<string> args, string? stdin, bool mustSucceed)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var text = $"{file} {string.Join(' ', psi.ArgumentList)}";
        Process? p;
        try { p = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PlatformException($"cannot run {file}: {e.Message} (install iproute2 and nftables)");
        }
        using var process = p ?? throw new PlatformException($"cannot run {file}");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var error = stderr.Result.Trim();
        if (process.ExitCode == 0)
        {
            logger.LogDebug("ran {Command}", text);
            return true;
        }
        if (mustSucceed) throw new PlatformException($"'{text}' failed: {error}");
        logger.LogDebug("'{Command}' failed (expected when clearing leftovers): {Error}", text, error);
        return false;
    }
}
