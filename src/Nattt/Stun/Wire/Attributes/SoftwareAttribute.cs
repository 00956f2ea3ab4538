namespace Nattt.Stun.Wire;

/// <summary>SOFTWARE (RFC 8489 section 14.14): a free-text description of the agent's software, for diagnosis only.</summary>
public static class SoftwareAttribute
{
    public const StunAttributeType Type = StunAttributeType.Software;

    /// <summary>Fewer than 128 characters, up to 763 bytes.</summary>
    public const int MaxBytes = 763;

    /// <summary>The value as a view of UTF-8 bytes in the receive buffer.</summary>
    public static StunError Read(in StunMessageReader message, out ReadOnlySpan<byte> utf8) =>
        StunText.Read(message, Type, MaxBytes, out utf8);

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<char> text) =>
        StunText.TryWrite(ref writer, Type, text, MaxBytes);

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<byte> utf8) =>
        StunText.TryWrite(ref writer, Type, utf8, MaxBytes);
}
