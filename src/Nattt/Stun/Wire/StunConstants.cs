namespace Nattt.Stun.Wire;

/// <summary>Constants fixed by the STUN specifications (RFC 8489 unless noted). Choices of ours live elsewhere.</summary>
public static class StunConstants
{
    /// <summary>Every STUN message starts with a 20-byte header (RFC 8489 section 5).</summary>
    public const int HeaderLength = 20;

    /// <summary>The magic cookie 0x2112A442 at bytes 4..8 tells RFC 5389/8489 messages from RFC 3489 ones.</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>The transaction ID after the cookie is 96 bits; in RFC 3489 the whole 128 bits after the type.</summary>
    public const int TransactionIdLength = 12;

    /// <summary>An RFC 3489 transaction ID: the 128 bits where RFC 8489 puts the cookie and its 96-bit ID.</summary>
    public const int LegacyTransactionIdLength = 16;

    /// <summary>Attribute header: 16-bit type and 16-bit value length (RFC 8489 section 14).</summary>
    public const int AttributeHeaderLength = 4;

    /// <summary>FINGERPRINT is the CRC-32 of the message XORed with 0x5354554e ("STUN"), RFC 8489 section 14.7.</summary>
    public const uint FingerprintXor = 0x5354554e;

    /// <summary>HMAC-SHA1 output carried by MESSAGE-INTEGRITY (RFC 8489 section 14.5).</summary>
    public const int MessageIntegrityLength = 20;

    /// <summary>MESSAGE-INTEGRITY-SHA256 may be truncated to 16 bytes, in steps of 4 (RFC 8489 section 14.6).</summary>
    public const int MessageIntegritySha256MinLength = 16;

    /// <summary>Full HMAC-SHA256 output (RFC 8489 section 14.6).</summary>
    public const int MessageIntegritySha256MaxLength = 32;

    /// <summary>CRC-32 value carried by FINGERPRINT.</summary>
    public const int FingerprintLength = 4;

    /// <summary>The message length field is 16 bits, so no message is longer than this.</summary>
    public const int MaxMessageLength = HeaderLength + 0xFFFC;

    /// <summary>Rounds an attribute value length up to the 32-bit boundary every attribute ends on.</summary>
    public static int Padded(int length) => (length + 3) & ~3;
}
