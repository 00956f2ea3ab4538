using System.Text;

namespace Nattt.Stun.Wire;

/// <summary>The UTF-8 text attributes (USERNAME, REALM, NONCE, SOFTWARE): length limits and views.</summary>
public static class StunText
{
    /// <summary>Reads a text attribute as a view, rejecting values over <paramref name="maxBytes"/> or not UTF-8.</summary>
    public static StunError Read(in StunMessageReader message, StunAttributeType type, int maxBytes, out ReadOnlySpan<byte> text)
    {
        text = default;
        if (!message.TryGetAttribute(type, out var value)) return StunError.AttributeMissing;
        if (value.Length > maxBytes || !System.Text.Unicode.Utf8.IsValid(value)) return StunError.TextInvalid;
        text = value;
        return StunError.None;
    }

    /// <summary>Appends a text attribute, UTF-8 encoded.</summary>
    public static bool TryWrite(ref StunMessageWriter writer, StunAttributeType type, ReadOnlySpan<char> text, int maxBytes)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        if (length > maxBytes) throw new ArgumentException($"{type} is limited to {maxBytes} bytes.", nameof(text));
        if (!writer.TryReserveAttribute(type, length, out var value)) return false;
        Encoding.UTF8.GetBytes(text, value);
        return true;
    }

    /// <summary>Appends a text attribute given as UTF-8 bytes (e.g. copied from a request).</summary>
    public static bool TryWrite(ref StunMessageWriter writer, StunAttributeType type, ReadOnlySpan<byte> utf8, int maxBytes)
    {
        if (utf8.Length > maxBytes) throw new ArgumentException($"{type} is limited to {maxBytes} bytes.", nameof(utf8));
        return writer.TryWriteAttribute(type, utf8);
    }
}
