using System.Buffers.Binary;
using System.Net;

namespace Nattt.Dns.Wire;

/// <summary>Typed readers for the RDATA of the few types the proxy interprets (A, AAAA, CNAME, PTR, SOA). Names inside
/// RDATA may be compressed (RFC 1035 4.1.4; RFC 3597 4 allows it for these well-known types only), so they read from
/// the whole message and check that the name ends exactly where RDLENGTH says.</summary>
public static class DnsRdata
{
    public static bool TryReadA(ReadOnlySpan<byte> message, in DnsRecordView record, out IPAddress address, out DnsDropReason reason) =>
        TryReadAddress(message, record, 4, out address, out reason);

    public static bool TryReadAaaa(ReadOnlySpan<byte> message, in DnsRecordView record, out IPAddress address, out DnsDropReason reason) =>
        TryReadAddress(message, record, 16, out address, out reason);

    private static bool TryReadAddress(ReadOnlySpan<byte> message, in DnsRecordView record, int length, out IPAddress address, out DnsDropReason reason)
    {
        address = IPAddress.None;
        if (record.RdataLength != length) { reason = DnsDropReason.BadRdataLength; return false; }
        address = new IPAddress(record.Rdata(message));
        reason = DnsDropReason.None;
        return true;
    }

    /// <summary>Reads the single name of a CNAME, PTR or NS record into <paramref name="destination"/> (255 octets).</summary>
    public static bool TryReadName(ReadOnlySpan<byte> message, in DnsRecordView record, Span<byte> destination, out int nameLength, out DnsDropReason reason)
    {
        if (!DnsName.TryRead(message[..record.End], record.RdataOffset, destination, out nameLength, out var end, out reason)) return false;
        if (end != record.End) { reason = DnsDropReason.RdataLengthMismatch; return false; }
        return true;
    }

    /// <summary>Reads the MINIMUM field of an SOA (RFC 2308 5: the negative-caching TTL is min(SOA TTL, MINIMUM)).</summary>
    public static bool TryReadSoaMinimum(ReadOnlySpan<byte> message, in DnsRecordView record, out uint minimum, out DnsDropReason reason)
    {
        minimum = 0;
        var scope = message[..record.End];
        if (!DnsName.TrySkip(scope, record.RdataOffset, out var afterMname, out reason)) return false;
        if (!DnsName.TrySkip(scope, afterMname, out var afterRname, out reason)) return false;
        if (afterRname + 20 != record.End) { reason = DnsDropReason.RdataLengthMismatch; return false; }
        minimum = BinaryPrimitives.ReadUInt32BigEndian(message[(afterRname + 16)..]);
        return true;
    }
}
