using System.Net;
using Nattt.Dns.Wire;

namespace Nattt.Dns.Proxy;

/// <summary>The query fields a response needs: ID, flags, the question as asked (case kept, for 0x20 clients), and
/// its EDNS0 state (RFC 6891 7: answer with an OPT when the query had one).</summary>
public sealed record DnsQueryInfo(ushort Id, ushort Flags, byte[] Name, ushort Type, ushort Class, bool HasOpt, bool DnssecOk);

/// <summary>Writes the answers the proxy makes itself. Every method returns the length, or -1 if the buffer is too
/// small. Not DNSSEC-signed: AD is never set (a validating stub sees them as insecure, as for any local data).</summary>
public static class DnsResponseBuilder
{
    private const ushort EdnsPayload = 1232;

    private static ushort ResponseFlags(DnsQueryInfo q, DnsResponseCode rcode) =>
        (ushort)(DnsHeader.QrBit | (q.Flags & (DnsHeader.RdBit | DnsHeader.CdBit)) | DnsHeader.RaBit | (int)rcode);

    /// <summary>The synthesised answer: the CNAME chain the upstream gave, then the stand-in address at its end.</summary>
    public static int WriteAddress(Span<byte> buffer, DnsQueryInfo q, IReadOnlyList<(byte[] Owner, byte[] Target, uint Ttl)> cnames,
        byte[] finalName, IPAddress standIn, uint ttl)
    {
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(q.Name, q.Type, q.Class);
        foreach (var (owner, target, cnameTtl) in cnames) w.TryWriteNameRecord(1, owner, DnsType.CNAME, Math.Min(ttl, cnameTtl), target);
        w.TryWriteAddressRecord(1, finalName, standIn, ttl);
        if (q.HasOpt) w.TryWriteOpt(EdnsPayload, q.DnssecOk);
        return w.Finish(q.Id, ResponseFlags(q, DnsResponseCode.NoError));
    }

    /// <summary>NOERROR without answers (a name that exists, a type it has not: RFC 2308 2.2).</summary>
    public static int WriteNoData(Span<byte> buffer, DnsQueryInfo q, IReadOnlyList<(byte[] Owner, byte[] Target, uint Ttl)> cnames)
    {
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(q.Name, q.Type, q.Class);
        foreach (var (owner, target, cnameTtl) in cnames) w.TryWriteNameRecord(1, owner, DnsType.CNAME, cnameTtl, target);
        if (q.HasOpt) w.TryWriteOpt(EdnsPayload, q.DnssecOk);
        return w.Finish(q.Id, ResponseFlags(q, DnsResponseCode.NoError));
    }

    public static int WritePtr(Span<byte> buffer, DnsQueryInfo q, byte[] target, uint ttl)
    {
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(q.Name, q.Type, q.Class);
        w.TryWriteNameRecord(1, q.Name, DnsType.PTR, ttl, target);
        if (q.HasOpt) w.TryWriteOpt(EdnsPayload, q.DnssecOk);
        return w.Finish(q.Id, ResponseFlags(q, DnsResponseCode.NoError));
    }

    /// <summary>An error answer (SERVFAIL, FORMERR) repeating the question when there is one.</summary>
    public static int WriteError(Span<byte> buffer, ushort id, ushort queryFlags, DnsQueryInfo? q, DnsResponseCode rcode)
    {
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        if (q is not null) w.TryWriteQuestion(q.Name, q.Type, q.Class);
        if (q is { HasOpt: true }) w.TryWriteOpt(EdnsPayload, q.DnssecOk);
        return w.Finish(id, (ushort)(DnsHeader.QrBit | (queryFlags & (DnsHeader.RdBit | DnsHeader.CdBit | 0x7800)) | DnsHeader.RaBit | (int)rcode));
    }
}
