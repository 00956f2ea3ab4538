using Microsoft.Extensions.Logging;
using Nattt.Tunnel;

namespace Nattt.Platform.Linux;

/// <summary>
/// The kernel side of a client: the TUN device with the pool's first address, which makes the kernel route the whole
/// stand-in pool to it (a connected route) and pick that address as the applications' source.
/// </summary>
public sealed class ClientRouting(ClientOptions options, NetworkConfig net, ILogger logger) : IDisposable
{
    public static string? WhyNotReady() =>
        LinuxNative.GetEuid() != 0 ? "nattt client needs root (or CAP_NET_ADMIN) to create its TUN device and routes" : null;

    public void ClearLeftovers()
    {
        if (net.TryIp("link", "del", options.TunName)) logger.LogInformation("removed leftover device {Tun}", options.TunName);
    }

    public void Install(string ownAddress, string ownAddress6)
    {
        var tun = options.TunName;
        net.Ip("addr", "add", $"{ownAddress}/{options.Pool.PrefixLength}", "dev", tun);
        net.Ip("link", "set", tun, "mtu", $"{options.TunMtu}", "up");
        // nodad: the address is ours alone (the pool is routed nowhere else), so duplicate detection would only delay
        // the first IPv6 packets. A host with IPv6 disabled keeps working for IPv4.
        if (!net.TryIp("-6", "addr", "add", $"{ownAddress6}/{options.Pool6.PrefixLength}", "dev", tun, "nodad"))
            logger.LogWarning("IPv6 stand-in pool {Pool6} could not be routed to {Tun}; IPv6 destinations will not work", options.Pool6, tun);
        logger.LogInformation("stand-in pool {Pool} routed to {Tun}, own address {Own}", options.Pool, tun, ownAddress);
    }

    public void Dispose() => ClearLeftovers();
}
