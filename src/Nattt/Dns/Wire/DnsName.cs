using System.Text;

namespace Nattt.Dns.Wire;

/// <summary>
/// Domain names in wire form (RFC 1035 3.1: length-prefixed labels ending with the root's zero octet). Reading follows
/// compression pointers (RFC 1035 4.1.4) but only strictly backwards, so no chain can loop and every read ends
/// (the rule of Microsoft's managed resolver and of most hardened parsers). Uncompressed wire names are what the rest
/// of the proxy compares and stores: at most 255 octets, compared case-insensitively (RFC 4343).
/// </summary>
public static class DnsName
{
    /// <summary>
    /// Reads the name starting at <paramref name="offset"/> of <paramref name="message"/>, writing its uncompressed
    /// wire form into <paramref name="destination"/> (give it <see cref="DnsLimits.MaxNameLength"/> octets).
    /// <paramref name="end"/> is the offset just after the name where it starts (after the first pointer, if any).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int nameLength,
        out int end, out DnsDropReason reason)
    {
        nameLength = 0;
        end = -1;
        var position = offset;
        while (true)
        {
            if ((uint)position >= (uint)message.Length) { reason = DnsDropReason.Truncated; return false; }
            var length = message[position];
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (position + 1 >= message.Length) { reason = DnsDropReason.Truncated; return false; }
                    var target = ((length & 0x3F) << 8) | message[position + 1];
                    if (target >= position) { reason = DnsDropReason.ForwardPointer; return false; }
                    if (end < 0) end = position + 2;
                    position = target;
                    continue;
                case 0x00:
                    break;
                default:
                    reason = DnsDropReason.BadLabelType;
                    return false;
            }
            if (nameLength + 1 + length > DnsLimits.MaxNameLength || nameLength + 1 + length > destination.Length)
            {
                reason = DnsDropReason.NameTooLong;
                return false;
            }
            if (position + 1 + length > message.Length) { reason = DnsDropReason.Truncated; return false; }
            message.Slice(position, 1 + length).CopyTo(destination[nameLength..]);
            nameLength += 1 + length;
            position += 1 + length;
            if (length == 0)
            {
                if (end < 0) end = position;
                reason = DnsDropReason.None;
                return true;
            }
        }
    }

    /// <summary>Skips the name at <paramref name="offset"/>, validating it fully (pointers, lengths).</summary>
    public static bool TrySkip(ReadOnlySpan<byte> message, int offset, out int end, out DnsDropReason reason)
    {
        Span<byte> scratch = stackalloc byte[DnsLimits.MaxNameLength];
        return TryRead(message, offset, scratch, out _, out end, out reason);
    }

    /// <summary>Case-insensitive (ASCII) equality of two uncompressed wire names (RFC 4343).</summary>
    public static bool WireEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
            if (ToLower(a[i]) != ToLower(b[i])) return false;
        return true;
    }

    /// <summary>A hash consistent with <see cref="WireEquals"/>.</summary>
    public static int WireHash(ReadOnlySpan<byte> name)
    {
        var h = new HashCode();
        foreach (var b in name) h.Add(ToLower(b));
        return h.ToHashCode();
    }

    private static byte ToLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;

    /// <summary>Presentation form of an uncompressed wire name, with a trailing dot; "." is the root. Octets outside
    /// printable ASCII, dots and backslashes inside labels are escaped (RFC 4343 2.1).</summary>
    public static string ToText(ReadOnlySpan<byte> wire)
    {
        if (wire.Length <= 1) return ".";
        var sb = new StringBuilder(wire.Length + 1);
        var i = 0;
        while (i < wire.Length && wire[i] != 0)
        {
            int length = wire[i];
            foreach (var c in wire.Slice(i + 1, length))
            {
                if (c is (byte)'.' or (byte)'\\') sb.Append('\\').Append((char)c);
                else if (c is > 0x20 and < 0x7F) sb.Append((char)c);
                else sb.Append('\\').Append(c.ToString("D3"));
            }
            sb.Append('.');
            i += 1 + length;
        }
        return sb.ToString();
    }

    /// <summary>Converts a presentation name (<c>b.example.test</c> or <c>b.example.test.</c>; <c>\.</c> and
    /// <c>\DDD</c> escapes) to its uncompressed wire form. Names are always taken as fully qualified.</summary>
    public static bool TryParseText(string text, out byte[] wire, out DnsDropReason reason)
    {
        wire = [];
        Span<byte> buffer = stackalloc byte[DnsLimits.MaxNameLength];
        var length = 0;      // octets of buffer used, labels complete
        Span<byte> label = stackalloc byte[DnsLimits.MaxLabelLength + 1];
        var labelLength = 0;
        var pendingLabel = false; // a label has started (even if empty so far: "a..b" is refused)
        if (text is "." or "") { wire = [0]; reason = DnsDropReason.None; return true; }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (labelLength == 0) { reason = DnsDropReason.BadName; return false; }
                if (!AppendLabel(buffer, ref length, label[..labelLength], out reason)) return false;
                labelLength = 0;
                pendingLabel = false;
                continue;
            }
            int octet = c;
            if (c == '\\')
            {
                if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3]))
                {
                    octet = int.Parse(text.AsSpan(i + 1, 3));
                    i += 3;
                }
                else if (i + 1 < text.Length) octet = text[++i];
                else { reason = DnsDropReason.BadName; return false; }
            }
            if (octet > 0xFF || labelLength == DnsLimits.MaxLabelLength) { reason = DnsDropReason.BadName; return false; }
            label[labelLength++] = (byte)octet;
            pendingLabel = true;
        }
        if (pendingLabel && !AppendLabel(buffer, ref length, label[..labelLength], out reason)) return false;
        if (length + 1 > DnsLimits.MaxNameLength) { reason = DnsDropReason.NameTooLong; return false; }
        buffer[length++] = 0;
        wire = buffer[..length].ToArray();
        reason = DnsDropReason.None;
        return true;
    }

    private static bool AppendLabel(Span<byte> buffer, ref int length, ReadOnlySpan<byte> label, out DnsDropReason reason)
    {
        // keep one octet for the root label
        if (length + 1 + label.Length + 1 > DnsLimits.MaxNameLength) { reason = DnsDropReason.NameTooLong; return false; }
        buffer[length] = (byte)label.Length;
        label.CopyTo(buffer[(length + 1)..]);
        length += 1 + label.Length;
        reason = DnsDropReason.None;
        return true;
    }

    /// <summary>Parses a presentation name or throws <see cref="FormatException"/> (for configuration and the CLI).</summary>
    public static byte[] ParseText(string text) =>
        TryParseText(text, out var wire, out var reason) ? wire : throw new FormatException($"'{text}' is not a valid DNS name ({reason})");

    /// <summary>Prepends one label to an uncompressed wire name (used for the A-record emulation names).</summary>
    public static byte[] Prepend(string label, ReadOnlySpan<byte> wire)
    {
        if (label.Length is 0 or > DnsLimits.MaxLabelLength || label.Length + 1 + wire.Length > DnsLimits.MaxNameLength)
            throw new ArgumentException($"cannot prepend '{label}' to a {wire.Length}-octet name", nameof(label));
        var result = new byte[1 + label.Length + wire.Length];
        result[0] = (byte)label.Length;
        Encoding.ASCII.GetBytes(label, result.AsSpan(1));
        wire.CopyTo(result.AsSpan(1 + label.Length));
        return result;
    }

    /// <summary>Whether <paramref name="name"/> fits in a message of 255-octet names: true when prepending
    /// <paramref name="extraOctets"/> keeps it within 255.</summary>
    public static bool HasRoomFor(ReadOnlySpan<byte> name, int extraOctets) => name.Length + extraOctets <= DnsLimits.MaxNameLength;
}
