using System.Net;
using System.Net.Sockets;
using System.Text;
using Nattt.Tunnel;

namespace Nattt.Dns;

/// <summary>
/// Text forms of the NAT RR (docs/nat-rr.md 3.5 and 3.6): the native presentation form
/// (<c>NAT 198.51.100.7:8080 172.20.0.20</c>) and the RFC 3597 generic form that unmodified BIND, NSD and Knot accept
/// (<c>TYPE65324 \# 10 c6336407 1f90 ac140014</c>: exact length, hex grouped per field, always whole octets).
/// </summary>
public static class NatRecordText
{
    /// <summary>The mnemonic of the native presentation form.</summary>
    public const string Mnemonic = "NAT";

    /// <summary>Native RDATA text: hops (<c>ADDR:PORT</c>, IPv6 as <c>[ADDR]:PORT</c>), outermost first, then the destination.</summary>
    public static string FormatNative(TunnelPath path) =>
        string.Join(' ', path.Hops.Select(FormatHop)) + " " + path.Destination;

    public static string FormatHop(IPEndPoint hop) =>
        hop.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{hop.Address}]:{hop.Port}" : $"{hop.Address}:{hop.Port}";

    /// <summary>Generic RDATA text (RFC 3597 5): <c>\# LENGTH HEX...</c>, one hex group per field.</summary>
    public static string FormatGeneric(TunnelPath path)
    {
        var rdata = NatRecord.ToRdata(path);
        var sb = new StringBuilder();
        sb.Append("\\# ").Append(rdata.Length);
        var groups = NatRecord.FitsLegacyForm(path) ? [4, 2, 4] : ExtendedGroups(path);
        var position = 0;
        foreach (var g in groups)
        {
            sb.Append(' ').Append(Convert.ToHexString(rdata, position, g).ToLowerInvariant());
            position += g;
        }
        return sb.ToString();
    }

    private static int[] ExtendedGroups(TunnelPath path)
    {
        var groups = new List<int> { 1, 1 };
        foreach (var hop in path.Hops) groups.AddRange([1, hop.AddressFamily == AddressFamily.InterNetwork ? 4 : 16, 2]);
        groups.AddRange([1, path.Destination.AddressFamily == AddressFamily.InterNetwork ? 4 : 16]);
        return [.. groups];
    }

    /// <summary>Parses native RDATA text. A hop without <c>:PORT</c> takes port 100 (the paper's well-known port).</summary>
    public static bool TryParseNative(string text, out TunnelPath? path, out NatRecordError error)
    {
        path = null;
        var tokens = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length < 2 || tokens.Length > NatRecord.MaxHops + 1) { error = NatRecordError.BadText; return false; }
        var hops = new List<IPEndPoint>();
        foreach (var token in tokens[..^1])
        {
            if (!TryParseHop(token, out var hop)) { error = NatRecordError.BadText; return false; }
            hops.Add(hop);
        }
        if (!IPAddress.TryParse(tokens[^1], out var destination) || tokens[^1].Contains('%')) { error = NatRecordError.BadText; return false; }
        var candidate = new TunnelPath(hops, destination);
        if (hops.Any(h => !NatRecord.IsUsable(h.Address)) || !NatRecord.IsUsable(destination)) { error = NatRecordError.UnusableAddress; return false; }
        path = candidate;
        error = NatRecordError.None;
        return true;
    }

    /// <summary>Parses <c>ADDR</c>, <c>ADDR:PORT</c>, <c>[V6ADDR]</c> or <c>[V6ADDR]:PORT</c>; port 1-65535, default 100.</summary>
    public static bool TryParseHop(string text, out IPEndPoint hop)
    {
        hop = null!;
        string addressText;
        var port = NatRecord.DefaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) return false;
            addressText = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !int.TryParse(rest[1..], out port))) return false;
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':');
            addressText = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], out port)) return false;
        }
        else addressText = text;
        if (port is < 1 or > 65535 || !IPAddress.TryParse(addressText, out var address) || addressText.Contains('%')) return false;
        hop = new IPEndPoint(address, port);
        return true;
    }
}
