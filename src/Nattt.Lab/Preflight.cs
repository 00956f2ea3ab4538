namespace Nattt.Lab;

/// <summary>Checks that the lab can run here: root, the tools it drives, and the kernel features it needs.</summary>
public static class Preflight
{
    private static readonly string[] RequiredTools = ["ip", "nft", "sysctl"];

    /// <summary>A sentence saying why the lab cannot run, or null when it can.</summary>
    public static string? WhyNotReady()
    {
        if (!OperatingSystem.IsLinux()) return "the lab needs Linux network namespaces";
        if (Environment.UserName != "root" && Native.GetEuid() != 0)
            return "the lab needs root (network namespaces, nftables, TUN devices): run it with sudo";
        var missing = RequiredTools.Where(t => !Shell.Has(t)).ToArray();
        if (missing.Length > 0)
            return $"missing tools: {string.Join(", ", missing)} (run scripts/setup.sh, which installs them)";
        if (!File.Exists("/dev/net/tun")) return "/dev/net/tun is missing (no TUN support)";
        return null;
    }

    public static void EnsureReady()
    {
        var why = WhyNotReady();
        if (why is not null) throw new LabException(why);
    }
}
