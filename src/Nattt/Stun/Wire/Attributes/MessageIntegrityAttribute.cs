namespace Nattt.Stun.Wire;

/// <summary>
/// MESSAGE-INTEGRITY (RFC 8489 section 14.5): HMAC-SHA1 over the message up to this attribute, with the header
/// length counting up to its end. Attributes after it, other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, are
/// ignored by the reader. The key comes from <see cref="StunCredentials"/>.
/// </summary>
public static class MessageIntegrityAttribute
{
    public const StunAttributeType Type = StunAttributeType.MessageIntegrity;

    /// <summary>True if present and valid for <paramref name="key"/> (constant-time comparison).</summary>
    public static bool Verify(in StunMessageReader message, ReadOnlySpan<byte> key) => message.VerifyMessageIntegrity(key);

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<byte> key) => writer.TryWriteMessageIntegrity(key);
}
