namespace Nattt.Stun.Wire;

/// <summary>
/// PADDING (RFC 5780 section 7.6): filler bytes that make a request large enough to test fragmentation; a server
/// pads the response to the same size. Servers only honour it over UDP.
/// </summary>
public static class PaddingAttribute
{
    public const StunAttributeType Type = StunAttributeType.Padding;

    /// <summary>The padding as a view (its content carries no meaning).</summary>
    public static StunError Read(in StunMessageReader message, out ReadOnlySpan<byte> padding)
    {
        padding = default;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        padding = value;
        return StunError.None;
    }

    /// <summary>Appends <paramref name="length"/> zero bytes of padding.</summary>
    public static bool TryWrite(ref StunMessageWriter writer, int length)
    {
        if (!writer.TryReserveAttribute(Type, length, out var value)) return false;
        value.Clear();
        return true;
    }
}
