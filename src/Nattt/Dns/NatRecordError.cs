namespace Nattt.Dns;

/// <summary>Why a NAT RR's RDATA (docs/nat-rr.md section 3.4) or presentation text was refused.</summary>
public enum NatRecordError
{
    None = 0,
    /// <summary>RDATA shorter than the smallest extended form (14 octets) and not the 10-octet one-hop form.</summary>
    TooShort,
    /// <summary>Extended form with a VERSION other than 1.</summary>
    UnsupportedVersion,
    /// <summary>Extended form with HOP-COUNT 0.</summary>
    NoHops,
    /// <summary>Extended form with HOP-COUNT above 8.</summary>
    TooManyHops,
    /// <summary>A FAMILY octet other than 1 (IPv4) or 2 (IPv6).</summary>
    UnknownFamily,
    /// <summary>The RDATA ends inside a hop or the destination.</summary>
    Truncated,
    /// <summary>Octets after the destination.</summary>
    TrailingOctets,
    /// <summary>A hop's port is 0.</summary>
    ZeroPort,
    /// <summary>An address is unspecified (0.0.0.0, ::), multicast or limited broadcast.</summary>
    UnusableAddress,
    /// <summary>Presentation text that does not follow section 3.5.</summary>
    BadText,
}
