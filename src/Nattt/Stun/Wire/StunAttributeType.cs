namespace Nattt.Stun.Wire;

/// <summary>
/// Attribute types. 0x0000-0x7FFF are comprehension-required: a receiver that does not understand one must reject
/// the request (420 with UNKNOWN-ATTRIBUTES); 0x8000-0xFFFF are comprehension-optional (RFC 8489 section 14).
/// Any 16-bit value is representable: unknown types are kept, not lost.
/// </summary>
public enum StunAttributeType : ushort
{
    // RFC 8489 section 18.3.1 (comprehension-required)
    MappedAddress = 0x0001,
    ResponseAddress = 0x0002, // RFC 3489 section 11.2.2, deprecated
    ChangeRequest = 0x0003, // RFC 5780 section 7.2 (RFC 3489 section 11.2.4)
    SourceAddress = 0x0004, // RFC 3489 section 11.2.5
    ChangedAddress = 0x0005, // RFC 3489 section 11.2.3
    Username = 0x0006,
    Password = 0x0007, // RFC 3489 section 11.2.7, deprecated
    MessageIntegrity = 0x0008,
    ErrorCode = 0x0009,
    UnknownAttributes = 0x000A,
    ReflectedFrom = 0x000B, // RFC 3489 section 11.2.11, deprecated
    ChannelNumber = 0x000C, // RFC 8656 section 18.1
    Lifetime = 0x000D, // RFC 8656 section 18.2
    XorPeerAddress = 0x0012, // RFC 8656 section 18.3
    Data = 0x0013, // RFC 8656 section 18.4
    Realm = 0x0014,
    Nonce = 0x0015,
    XorRelayedAddress = 0x0016, // RFC 8656 section 18.5
    RequestedAddressFamily = 0x0017, // RFC 8656 section 18.6
    EvenPort = 0x0018, // RFC 8656 section 18.7
    RequestedTransport = 0x0019, // RFC 8656 section 18.8
    DontFragment = 0x001A, // RFC 8656 section 18.9
    MessageIntegritySha256 = 0x001C,
    PasswordAlgorithm = 0x001D,
    UserHash = 0x001E,
    XorMappedAddress = 0x0020,
    ReservationToken = 0x0022, // RFC 8656 section 18.10
    Priority = 0x0024, // RFC 8445 section 16.1
    UseCandidate = 0x0025, // RFC 8445 section 16.1
    Padding = 0x0026, // RFC 5780 section 7.6
    ResponsePort = 0x0027, // RFC 5780 section 7.5
    ConnectionId = 0x002A, // RFC 6062 section 6.2.1

    // comprehension-optional
    AdditionalAddressFamily = 0x8000, // RFC 8656 section 18.11
    AddressErrorCode = 0x8001, // RFC 8656 section 18.12
    PasswordAlgorithms = 0x8002,
    AlternateDomain = 0x8003,
    Icmp = 0x8004, // RFC 8656 section 18.13
    Software = 0x8022,
    AlternateServer = 0x8023,
    CacheTimeout = 0x8027, // RFC 5780 section 7.7
    Fingerprint = 0x8028,
    IceControlled = 0x8029, // RFC 8445 section 16.1
    IceControlling = 0x802A, // RFC 8445 section 16.1
    ResponseOrigin = 0x802B, // RFC 5780 section 7.3
    OtherAddress = 0x802C, // RFC 5780 section 7.4
}

/// <summary>Helpers on <see cref="StunAttributeType"/>.</summary>
public static class StunAttributeTypes
{
    /// <summary>True for 0x0000-0x7FFF: a receiver must understand these (RFC 8489 section 14).</summary>
    public static bool IsComprehensionRequired(StunAttributeType type) => (ushort)type < 0x8000;

    /// <summary>True for every attribute type this codec can decode (the default "understood" set).</summary>
    public static bool IsKnown(StunAttributeType type) => Known[(ushort)type];

    private static readonly bool[] Known = BuildKnown();

    private static bool[] BuildKnown()
    {
        var known = new bool[ushort.MaxValue + 1];
        foreach (var type in Enum.GetValues<StunAttributeType>()) known[(ushort)type] = true;
        return known;
    }
}
