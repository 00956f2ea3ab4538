using System.Net;
using System.Net.Sockets;

namespace Nattt.Turn.Policy;

/// <summary>
/// Parses the address-range forms operators write: a CIDR ("10.0.0.0/8"), a single address, or coturn's
/// "first-last" range ("172.16.0.0-172.31.255.255"), which becomes the smallest list of CIDR blocks covering it.
/// Thread-safe (stateless).
/// </summary>
public static class AddressRanges
{
    public static bool TryParse(string text, out List<IPNetwork> networks, out string? error)
    {
        networks = [];
        error = null;
        text = text.Trim();
        if (text.Contains('/'))
        {
            if (IPNetwork.TryParse(text, out var n) && IPAddress.TryParse(text[..text.IndexOf('/')], out var given) &&
                n.BaseAddress.Equals(given)) { networks.Add(n); return true; }
            error = $"'{text}' is not a CIDR block (did the address have host bits set?)";
            return false;
        }
        int dash = text.IndexOf('-');
        if (dash < 0)
        {
            if (!IPAddress.TryParse(text, out var single)) { error = $"'{text}' is not an address"; return false; }
            networks.Add(new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            return true;
        }
        if (!IPAddress.TryParse(text[..dash].Trim(), out var first) || !IPAddress.TryParse(text[(dash + 1)..].Trim(), out var last) ||
            first.AddressFamily != last.AddressFamily)
        {
            error = $"'{text}' is not a range first-last of one address family";
            return false;
        }
        int bits = first.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        UInt128 lo = ToNumber(first), hi = ToNumber(last);
        if (lo > hi) { error = $"'{text}': the first address is above the last"; return false; }
        while (true)
        {
            // The largest aligned block that starts at lo and does not pass hi.
            int size = 0;
            while (size < bits)
            {
                UInt128 blockMask = (UInt128.One << (size + 1)) - 1;
                if ((lo & blockMask) != 0 || lo + blockMask > hi) break;
                size++;
            }
            networks.Add(new IPNetwork(FromNumber(lo, first.AddressFamily), bits - size));
            UInt128 end = lo + ((UInt128.One << size) - 1);
            if (end >= hi) break;
            lo = end + 1;
        }
        return true;
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        UInt128 value = 0;
        foreach (byte b in address.GetAddressBytes()) value = (value << 8) | b;
        return value;
    }

    private static IPAddress FromNumber(UInt128 value, AddressFamily family)
    {
        var bytes = new byte[family == AddressFamily.InterNetwork ? 4 : 16];
        for (int i = bytes.Length - 1; i >= 0; i--) { bytes[i] = (byte)value; value >>= 8; }
        return new IPAddress(bytes);
    }
}
