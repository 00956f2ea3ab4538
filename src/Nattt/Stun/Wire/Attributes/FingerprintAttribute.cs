namespace Nattt.Stun.Wire;

/// <summary>
/// FINGERPRINT (RFC 8489 section 14.7): CRC-32 (ISO HDLC, as in System.IO.Hashing) of the message up to this
/// attribute, XORed with 0x5354554e. Always last; it lets STUN be told apart from other protocols on one port.
/// </summary>
public static class FingerprintAttribute
{
    public const StunAttributeType Type = StunAttributeType.Fingerprint;

    /// <summary>True if present and matching.</summary>
    public static bool IsValid(in StunMessageReader message) => message.IsFingerprintValid();

    public static bool TryWrite(ref StunMessageWriter writer) => writer.TryWriteFingerprint();
}
