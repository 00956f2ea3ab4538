using System.Net;
using System.Text;
using Nattt.Dns.Wire;

namespace Nattt.Dns.Proxy;

/// <summary>Reverse-lookup names (RFC 1035 3.5 in-addr.arpa, RFC 3596 2.5 ip6.arpa) to addresses.</summary>
public static class ReverseName
{
    public static bool TryParse(ReadOnlySpan<byte> wireName, out IPAddress address)
    {
        address = IPAddress.None;
        var text = DnsName.ToText(wireName).ToLowerInvariant();
        if (text.EndsWith(".in-addr.arpa.", StringComparison.Ordinal))
        {
            var parts = text[..^".in-addr.arpa.".Length].Split('.');
            if (parts.Length != 4) return false;
            var bytes = new byte[4];
            for (var i = 0; i < 4; i++)
                if (!byte.TryParse(parts[3 - i], out bytes[i]) || parts[3 - i].Length > 3) return false;
            address = new IPAddress(bytes);
            return true;
        }
        if (text.EndsWith(".ip6.arpa.", StringComparison.Ordinal))
        {
            var nibbles = text[..^".ip6.arpa.".Length].Split('.');
            if (nibbles.Length != 32 || nibbles.Any(n => n.Length != 1 || !Uri.IsHexDigit(n[0]))) return false;
            var hex = string.Concat(nibbles.Reverse());
            address = new IPAddress(Convert.FromHexString(hex));
            return true;
        }
        return false;
    }

    public static string ToName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length == 4) return $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}.in-addr.arpa.";
        var sb = new StringBuilder();
        for (var i = bytes.Length - 1; i >= 0; i--) sb.Append($"{bytes[i] & 0xF:x}.{bytes[i] >> 4:x}.");
        return sb.Append("ip6.arpa.").ToString();
    }
}
