namespace Nattt.Dns.Wire;

/// <summary>Why a DNS message (or a part of it) was not accepted. Parsers return one of these, never throw; the proxy
/// counts them (<c>DnsProxyCounters</c>).</summary>
public enum DnsDropReason
{
    None = 0,
    /// <summary>The message ends before the header, a name, a fixed field or an RDATA ends.</summary>
    Truncated,
    /// <summary>A label length octet has the reserved top bits 01 or 10 (RFC 6891 deprecated extended labels).</summary>
    BadLabelType,
    /// <summary>The decompressed name exceeds 255 octets (RFC 1035 2.3.4).</summary>
    NameTooLong,
    /// <summary>A compression pointer points at or after itself: refused, so that no pointer chain can loop.</summary>
    ForwardPointer,
    /// <summary>An RDATA that holds a name (CNAME, PTR, SOA) does not end where RDLENGTH says.</summary>
    RdataLengthMismatch,
    /// <summary>A fixed-size RDATA (A, AAAA) has the wrong length.</summary>
    BadRdataLength,
    /// <summary>A query with QR set, a response with QR clear, or an opcode other than QUERY.</summary>
    NotAQuery,
    /// <summary>A query whose QDCOUNT is not 1 (RFC 9619).</summary>
    BadQuestionCount,
    /// <summary>A response whose ID does not match the pending query's.</summary>
    WrongId,
    /// <summary>A response from an address or port that the query was not sent to.</summary>
    WrongSource,
    /// <summary>A response whose question differs from the pending query's.</summary>
    WrongQuestion,
    /// <summary>The message is longer than the proxy's buffers (never for a valid UDP/TCP DNS message).</summary>
    TooLong,
    /// <summary>More pending upstream queries than the configured bound.</summary>
    TooManyPending,
    /// <summary>A text name that is not a valid DNS name (empty label, label over 63, name over 255).</summary>
    BadName,
}
