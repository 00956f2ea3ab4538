namespace Nattt.Stun.Wire;

/// <summary>USERNAME (RFC 8489 section 14.3): the user name and password key selector of short-term and long-term credentials.</summary>
public static class UsernameAttribute
{
    public const StunAttributeType Type = StunAttributeType.Username;

    /// <summary>RFC 8489 asks for fewer than 509 bytes; RFC 5389 allowed fewer than 513, which is what we accept so that RFC 5389 clients still work.</summary>
    public const int MaxBytes = 512;

    /// <summary>The value as a view of UTF-8 bytes in the receive buffer.</summary>
    public static StunError Read(in StunMessageReader message, out ReadOnlySpan<byte> utf8) =>
        StunText.Read(message, Type, MaxBytes, out utf8);

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<char> text) =>
        StunText.TryWrite(ref writer, Type, text, MaxBytes);

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<byte> utf8) =>
        StunText.TryWrite(ref writer, Type, utf8, MaxBytes);
}
