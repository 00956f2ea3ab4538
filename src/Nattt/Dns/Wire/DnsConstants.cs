namespace Nattt.Dns.Wire;

/// <summary>Resource record types the proxy reads or writes (RFC 1035 3.2.2, RFC 3596, RFC 6891). Every other type is
/// carried as opaque RDATA (RFC 3597). The NAT RR's type is configurable, so it is not listed here.</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    TXT = 16,
    AAAA = 28,
    OPT = 41,
    RRSIG = 46,
    ANY = 255,
}

/// <summary>RFC 1035 4.1.1 RCODE values the proxy reads or writes.</summary>
public enum DnsResponseCode : byte
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
}

/// <summary>Limits fixed by the specifications (kept apart from the limits the proxy chose, in DnsProxyOptions).</summary>
public static class DnsLimits
{
    /// <summary>RFC 1035 2.3.4: a name is at most 255 octets in wire form.</summary>
    public const int MaxNameLength = 255;
    /// <summary>RFC 1035 2.3.4: a label is at most 63 octets.</summary>
    public const int MaxLabelLength = 63;
    /// <summary>RFC 1035 4.1.1: the header is 12 octets.</summary>
    public const int HeaderLength = 12;
    /// <summary>RFC 1035 2.3.4: a UDP message without EDNS0 is at most 512 octets.</summary>
    public const int ClassicUdpSize = 512;
    /// <summary>RFC 1035 4.2.2: a TCP message is at most 65535 octets after its 2-octet length.</summary>
    public const int MaxMessageLength = 65535;
    /// <summary>RFC 1035 4.1.4: compression pointers address the first 16 KiB of a message (14 bits).</summary>
    public const int MaxPointerTarget = 0x3FFF;
    /// <summary>RFC 1035 3.2.4: class IN.</summary>
    public const ushort ClassIN = 1;
}
