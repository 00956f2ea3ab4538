namespace Nattt.Stun.Wire;

/// <summary>
/// Why a STUN message, attribute value or ChannelData frame was rejected. Parsers return one of these, never throw;
/// the name says where the failure is. Hosts count drops by this value.
/// </summary>
public enum StunError : byte
{
    None = 0,

    // Header (RFC 8489 section 5)
    /// <summary>Fewer than 20 bytes: no complete header.</summary>
    HeaderTruncated,
    /// <summary>The two top bits of the type are not zero: not a STUN message (maybe ChannelData, RTP, DTLS).</summary>
    HeaderNotStun,
    /// <summary>The length field is not a multiple of 4.</summary>
    HeaderLengthNotMultipleOf4,
    /// <summary>The length field says more bytes than the buffer holds.</summary>
    HeaderLengthBeyondBuffer,
    /// <summary>The buffer holds bytes after the message the length field describes.</summary>
    HeaderLengthShorterThanBuffer,

    // Attribute framing (RFC 8489 section 14)
    /// <summary>Fewer than 4 bytes left for an attribute header.</summary>
    AttributeHeaderTruncated,
    /// <summary>An attribute's value (with its padding) runs past the end of the message.</summary>
    AttributeValueTruncated,
    /// <summary>An attribute follows FINGERPRINT, which must be last (RFC 8489 section 14.7).</summary>
    AttributeAfterFingerprint,
    /// <summary>MESSAGE-INTEGRITY is not 20 bytes.</summary>
    MessageIntegrityLengthInvalid,
    /// <summary>MESSAGE-INTEGRITY-SHA256 is not 16..32 bytes in steps of 4.</summary>
    MessageIntegritySha256LengthInvalid,
    /// <summary>FINGERPRINT is not 4 bytes.</summary>
    FingerprintLengthInvalid,

    // Attribute values
    /// <summary>The message has no such attribute.</summary>
    AttributeMissing,
    /// <summary>A fixed-size attribute has the wrong length.</summary>
    AttributeLengthInvalid,
    /// <summary>An address attribute's family is neither 0x01 (IPv4) nor 0x02 (IPv6).</summary>
    AddressFamilyUnknown,
    /// <summary>An address attribute's length does not match its family.</summary>
    AddressLengthInvalid,
    /// <summary>An XOR-address attribute in an RFC 3489 message (no magic cookie to XOR with).</summary>
    XorAddressWithoutMagicCookie,
    /// <summary>ERROR-CODE or ADDRESS-ERROR-CODE class outside 3..6 or number above 99.</summary>
    ErrorCodeInvalid,
    /// <summary>A text attribute is longer than its RFC allows, or not UTF-8.</summary>
    TextInvalid,
    /// <summary>UNKNOWN-ATTRIBUTES has an odd number of bytes.</summary>
    UnknownAttributesLengthInvalid,
    /// <summary>PASSWORD-ALGORITHMS or PASSWORD-ALGORITHM parameters overrun the value.</summary>
    PasswordAlgorithmTruncated,
    /// <summary>A channel number outside 0x4000..0x4FFF (RFC 8656 section 12).</summary>
    ChannelNumberOutOfRange,

    // ChannelData (RFC 8656 section 12.4)
    /// <summary>Fewer than 4 bytes: no ChannelData header.</summary>
    ChannelDataHeaderTruncated,
    /// <summary>The length field says more bytes than the buffer holds.</summary>
    ChannelDataLengthBeyondBuffer,

    // Stream framing (RFC 8489 section 6.2.2, RFC 8656 section 12.5)
    /// <summary>A stream's first byte is neither STUN (0..3) nor ChannelData (0x40..0x4F).</summary>
    FrameNotStunOrChannelData,
}
