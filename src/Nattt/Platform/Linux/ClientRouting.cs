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

    public void Install(string ownAddress)
    {
        var tun = options.TunName;
        net.Ip("addr", "add", $"{ownAddress}/{options.Pool.PrefixLength}", "dev", tun);
        net.Ip("link", "set", tun, "mtu", $"{options.TunMtu}", "up");
        logger.LogInformation("stand-in pool {Pool} routed to {Tun}, own address {Own}", options.Pool, tun, ownAddress);
    }

    public void Dispose() => ClearLeftovers();
}
