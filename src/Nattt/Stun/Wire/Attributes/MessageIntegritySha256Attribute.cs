namespace Nattt.Stun.Wire;

/// <summary>
/// MESSAGE-INTEGRITY-SHA256 (RFC 8489 section 14.6): HMAC-SHA256 over the message up to this attribute, possibly
/// truncated to 16..32 bytes in steps of 4. Only FINGERPRINT may follow it.
/// </summary>
public static class MessageIntegritySha256Attribute
{
    public const StunAttributeType Type = StunAttributeType.MessageIntegritySha256;

    /// <summary>True if present and valid for <paramref name="key"/> (constant-time comparison).</summary>
    public static bool Verify(in StunMessageReader message, ReadOnlySpan<byte> key) => message.VerifyMessageIntegritySha256(key);

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<byte> key, int length = StunConstants.MessageIntegritySha256MaxLength) =>
        writer.TryWriteMessageIntegritySha256(key, length);
}
