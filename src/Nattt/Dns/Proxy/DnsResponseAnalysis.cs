using Nattt.Dns.Wire;

namespace Nattt.Dns.Proxy;

/// <summary>What an upstream answer to an A/AAAA query says, as far as the proxy cares.</summary>
public enum DnsAnswerKind { HasAnswer, NoData, NXDomain, Other }

/// <summary>
/// Reads an upstream answer to a question of type <c>qtype</c> at <c>qname</c>: whether it holds records of that type
/// (then it is passed through), or is a negative answer (RFC 2308: NXDOMAIN, or NOERROR without them), following
/// the CNAME chain in the answer section to the name that was finally asked about. Also the negative TTL
/// (min of the SOA's TTL and MINIMUM, RFC 2308 5) when an SOA is in the authority section. Pure; never throws.
/// </summary>
public sealed class DnsResponseAnalysis
{
    public DnsAnswerKind Kind { get; private init; } = DnsAnswerKind.Other;
    /// <summary>The name at the end of the CNAME chain (the question's name if none), uncompressed wire form.</summary>
    public byte[] FinalName { get; private init; } = [];
    /// <summary>The CNAME records of the chain, in order: owner, target, TTL.</summary>
    public IReadOnlyList<(byte[] Owner, byte[] Target, uint Ttl)> Cnames { get; private init; } = [];
    public uint? NegativeTtl { get; private init; }

    public static DnsResponseAnalysis Analyze(ReadOnlySpan<byte> answer, ReadOnlySpan<byte> qname, ushort qtype)
    {
        var reader = new DnsMessageReader(answer);
        if (!reader.IsValid || !reader.TrySkipQuestions()) return new DnsResponseAnalysis();
        var rcode = reader.Header.ResponseCode;
        if (rcode is not (DnsResponseCode.NoError or DnsResponseCode.NXDomain)) return new DnsResponseAnalysis();
        var current = qname.ToArray();
        var cnames = new List<(byte[], byte[], uint)>();
        var hasAnswer = false;
        uint? negativeTtl = null;
        Span<byte> owner = stackalloc byte[DnsLimits.MaxNameLength];
        Span<byte> target = stackalloc byte[DnsLimits.MaxNameLength];
        while (true)
        {
            var section = reader.NextSection;
            if (!reader.TryReadRecord(out var record)) break;
            if (!DnsName.TryRead(answer, record.NameOffset, owner, out var ownerLength, out _, out _)) return new DnsResponseAnalysis();
            if (section == 1 && DnsName.WireEquals(owner[..ownerLength], current))
            {
                if (record.Type == qtype) hasAnswer = true;
                else if (record.Type == (ushort)DnsType.CNAME
                         && DnsRdata.TryReadName(answer, record, target, out var targetLength, out _) && cnames.Count < 16)
                {
                    cnames.Add((current, target[..targetLength].ToArray(), record.Ttl));
                    current = target[..targetLength].ToArray();
                }
            }
            else if (section == 2 && record.Type == (ushort)DnsType.SOA && DnsRdata.TryReadSoaMinimum(answer, record, out var minimum, out _))
            {
                negativeTtl = Math.Min(record.Ttl, minimum);
            }
        }
        if (!reader.IsValid) return new DnsResponseAnalysis();
        var kind = hasAnswer ? DnsAnswerKind.HasAnswer : rcode == DnsResponseCode.NXDomain ? DnsAnswerKind.NXDomain : DnsAnswerKind.NoData;
        return new DnsResponseAnalysis { Kind = kind, FinalName = current, Cnames = cnames, NegativeTtl = negativeTtl };
    }
}
