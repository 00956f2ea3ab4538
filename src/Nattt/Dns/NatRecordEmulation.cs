using System.Net;
using System.Net.Sockets;
using Nattt.Tunnel;

namespace Nattt.Dns;

/// <summary>
/// A-record emulation of the NAT RR (docs/nat-rr.md section 4), for DNS providers that allow only A and AAAA records.
/// Under the name N:
/// <list type="bullet">
/// <item><c>nattt-dest.N</c> A or AAAA: the destination's private address (required);</item>
/// <item><c>nattt-hopI.N</c> A or AAAA, I = 1..8 without gaps, outermost first: hop I's address;</item>
/// <item><c>nattt-portI.N</c> A <c>127.0.H.L</c>: hop I's UDP tunnel port H*256+L (optional; default 100).</item>
/// </list>
/// The labels are valid host names (letters, digits, hyphens): owner names of A records with an underscore
/// (<c>_nattt-dest</c>, RFC 8552 style) are refused by BIND's default <c>check-names</c> for primary zones, and by the
/// web forms of many DNS providers, the very users this scheme is for.
/// </summary>
public static class NatRecordEmulation
{
    public const string DestinationLabel = "nattt-dest";

    public static string HopLabel(int index) => $"nattt-hop{index}";

    public static string PortLabel(int index) => $"nattt-port{index}";

    /// <summary>The A record value that carries a port: <c>127.0.H.L</c>. Loopback, so that a resolver or program
    /// that takes it for a host address never sends anything off the machine.</summary>
    public static IPAddress EncodePort(int port)
    {
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port));
        return new IPAddress(new byte[] { 127, 0, (byte)(port >> 8), (byte)port });
    }

    /// <summary>Decodes a port record; false unless it is <c>127.0.H.L</c> with H*256+L in 1..65535.</summary>
    public static bool TryDecodePort(IPAddress address, out int port)
    {
        port = 0;
        if (address.AddressFamily != AddressFamily.InterNetwork) return false;
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        if (b[0] != 127 || b[1] != 0) return false;
        port = (b[2] << 8) | b[3];
        return port != 0;
    }

    /// <summary>The emulation records for <paramref name="path"/> as (owner name relative to <paramref name="name"/>,
    /// type, value) triples; the port record is always written, even for port 100, so that the zone says it.</summary>
    public static IEnumerable<(string Owner, string Type, IPAddress Value)> Records(string name, TunnelPath path)
    {
        NatRecord.Validate(path);
        var suffix = name.EndsWith('.') ? name : name + ".";
        yield return ($"{DestinationLabel}.{suffix}", TypeOf(path.Destination), path.Destination);
        for (var i = 0; i < path.Hops.Count; i++)
        {
            yield return ($"{HopLabel(i + 1)}.{suffix}", TypeOf(path.Hops[i].Address), path.Hops[i].Address);
            yield return ($"{PortLabel(i + 1)}.{suffix}", "A", EncodePort(path.Hops[i].Port));
        }
    }

    private static string TypeOf(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork ? "A" : "AAAA";
}
