namespace Nattt.Dns.Wire;

/// <summary>A question read from a message (RFC 1035 4.1.2): where its name starts, and its type and class.</summary>
public readonly record struct DnsQuestion(int NameOffset, int End, ushort Type, ushort Class);

/// <summary>
/// A resource record read from a message (RFC 1035 4.1.3), as offsets into that message: no copy. RDATA of any type is
/// kept as it is (RFC 3597); the typed readers in <see cref="DnsRdata"/> interpret the few types the proxy needs.
/// </summary>
public readonly record struct DnsRecordView(int NameOffset, ushort Type, ushort Class, uint Ttl, int RdataOffset, int RdataLength)
{
    public int End => RdataOffset + RdataLength;
    public ReadOnlySpan<byte> Rdata(ReadOnlySpan<byte> message) => message.Slice(RdataOffset, RdataLength);
}
