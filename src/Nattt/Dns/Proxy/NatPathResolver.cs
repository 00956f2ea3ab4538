using System.Net;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Dns.Proxy;

/// <summary>The outcome of looking a name's NAT path up: the path and the smallest TTL of the records it came
/// from, none, or a failure (upstream timeout) that must not be cached.</summary>
public readonly record struct NatPathLookup(TunnelPath? Path, uint Ttl, NatPathSource Source, bool Failed);

/// <summary>
/// Looks up a name's NAT path through the upstream: the NAT RR first (docs/nat-rr.md 3), then, if enabled, the
/// A-record emulation names (section 4): <c>nattt-dest</c> (A and AAAA together), then per hop level
/// <c>nattt-hopI</c> A, AAAA and <c>nattt-portI</c> A together, until a level has no hop. Thread-safe (no state
/// but the injected upstream and counters).
/// </summary>
public sealed class NatPathResolver(IDnsUpstream upstream, ushort natRecordType, bool useEmulation, DnsProxyCounters counters,
    Action<string, NatRecordError>? onInvalidRecord = null)
{
    public async ValueTask<NatPathLookup> LookupAsync(byte[] name, CancellationToken cancellationToken)
    {
        counters.NatLookup();
        using (var answer = await upstream.QueryAsync(BuildQuery(name, natRecordType), DnsTransport.Udp, true, cancellationToken).ConfigureAwait(false))
        {
            if (!answer.Succeeded) return new NatPathLookup(null, 0, NatPathSource.None, Failed: true);
            if (TryReadNatRecord(answer.Span, name, out var path, out var ttl))
            {
                counters.NatRecordFound();
                return new NatPathLookup(path, ttl, NatPathSource.NatRecord, false);
            }
        }
        if (!useEmulation) return new NatPathLookup(null, 0, NatPathSource.None, false);
        var emulated = await LookupEmulationAsync(name, cancellationToken).ConfigureAwait(false);
        if (emulated.Path is not null) counters.EmulationFound();
        return emulated;
    }

    private bool TryReadNatRecord(ReadOnlySpan<byte> message, byte[] name, out TunnelPath? path, out uint ttl)
    {
        path = null;
        ttl = 0;
        var analysis = DnsResponseAnalysis.Analyze(message, name, natRecordType);
        if (analysis.Kind != DnsAnswerKind.HasAnswer) return false;
        var reader = new DnsMessageReader(message);
        Span<byte> owner = stackalloc byte[DnsLimits.MaxNameLength];
        var chainTtl = analysis.Cnames.Count == 0 ? uint.MaxValue : analysis.Cnames.Min(c => c.Ttl);
        while (reader.NextSection == 1 && reader.TryReadRecord(out var record))
        {
            if (record.Type != natRecordType) continue;
            if (!DnsName.TryRead(message, record.NameOffset, owner, out var n, out _, out _) || !DnsName.WireEquals(owner[..n], analysis.FinalName)) continue;
            if (NatRecord.TryParse(record.Rdata(message), out path, out var error))
            {
                ttl = Math.Min(record.Ttl, chainTtl);
                return true;
            }
            counters.NatRecordInvalid();
            onInvalidRecord?.Invoke(DnsName.ToText(name), error);
        }
        return false;
    }

    private async ValueTask<NatPathLookup> LookupEmulationAsync(byte[] name, CancellationToken ct)
    {
        if (!DnsName.HasRoomFor(name, 1 + NatRecordEmulation.PortLabel(NatRecord.MaxHops).Length))
            return new NatPathLookup(null, 0, NatPathSource.None, false);
        var destName = DnsName.Prepend(NatRecordEmulation.DestinationLabel, name);
        var (destV4, destV6) = (QueryAddressAsync(destName, DnsType.A, ct), QueryAddressAsync(destName, DnsType.AAAA, ct));
        var (d4, d6) = (await destV4.ConfigureAwait(false), await destV6.ConfigureAwait(false));
        if (d4.Failed || d6.Failed) return new NatPathLookup(null, 0, NatPathSource.None, true);
        var dest = d4.Address is not null ? d4 : d6;
        if (dest.Address is null) return new NatPathLookup(null, 0, NatPathSource.None, false);
        var ttl = dest.Ttl;
        var hops = new List<IPEndPoint>();
        for (var i = 1; i <= NatRecord.MaxHops; i++)
        {
            var hopName = DnsName.Prepend(NatRecordEmulation.HopLabel(i), name);
            var portName = DnsName.Prepend(NatRecordEmulation.PortLabel(i), name);
            var v4 = QueryAddressAsync(hopName, DnsType.A, ct);
            var v6 = QueryAddressAsync(hopName, DnsType.AAAA, ct);
            var portTask = QueryAddressAsync(portName, DnsType.A, ct);
            var (h4, h6, p) = (await v4.ConfigureAwait(false), await v6.ConfigureAwait(false), await portTask.ConfigureAwait(false));
            if (h4.Failed || h6.Failed || p.Failed) return new NatPathLookup(null, 0, NatPathSource.None, true);
            var hop = h4.Address is not null ? h4 : h6;
            if (hop.Address is null) break;
            var port = NatRecord.DefaultPort;
            if (p.Address is not null)
            {
                if (!NatRecordEmulation.TryDecodePort(p.Address, out port)) { counters.NatRecordInvalid(); return new NatPathLookup(null, 0, NatPathSource.None, false); }
                ttl = Math.Min(ttl, p.Ttl);
            }
            if (!NatRecord.IsUsable(hop.Address)) { counters.NatRecordInvalid(); return new NatPathLookup(null, 0, NatPathSource.None, false); }
            ttl = Math.Min(ttl, hop.Ttl);
            hops.Add(new IPEndPoint(hop.Address, port));
        }
        if (hops.Count == 0 || !NatRecord.IsUsable(dest.Address)) return new NatPathLookup(null, 0, NatPathSource.None, false);
        return new NatPathLookup(new TunnelPath(hops, dest.Address), ttl, NatPathSource.Emulation, false);
    }

    private readonly record struct AddressAnswer(IPAddress? Address, uint Ttl, bool Failed);

    private async Task<AddressAnswer> QueryAddressAsync(byte[] name, DnsType type, CancellationToken ct)
    {
        using var answer = await upstream.QueryAsync(BuildQuery(name, (ushort)type), DnsTransport.Udp, true, ct).ConfigureAwait(false);
        if (!answer.Succeeded) return new AddressAnswer(null, 0, true);
        return ReadFirstAddress(answer.Span, name, type);
    }

    private static AddressAnswer ReadFirstAddress(ReadOnlySpan<byte> message, byte[] name, DnsType type)
    {
        var reader = new DnsMessageReader(message);
        if (!reader.IsValid || reader.Header.ResponseCode != DnsResponseCode.NoError) return new AddressAnswer(null, 0, false);
        Span<byte> owner = stackalloc byte[DnsLimits.MaxNameLength];
        while (reader.NextSection == 1 && reader.TryReadRecord(out var record))
        {
            if (record.Type != (ushort)type) continue;
            if (!DnsName.TryRead(message, record.NameOffset, owner, out var n, out _, out _) || !DnsName.WireEquals(owner[..n], name)) continue;
            var ok = type == DnsType.A
                ? DnsRdata.TryReadA(message, record, out var address, out _)
                : DnsRdata.TryReadAaaa(message, record, out address, out _);
            if (ok) return new AddressAnswer(address, record.Ttl, false);
        }
        return new AddressAnswer(null, 0, false);
    }

    /// <summary>A recursive query (RD set) for one question, with an EDNS0 OPT offering 1232 octets (the DNS flag
    /// day 2020 value) so that long NAT RRs come over UDP.</summary>
    public static byte[] BuildQuery(ReadOnlySpan<byte> name, ushort type)
    {
        Span<byte> buffer = stackalloc byte[DnsLimits.MaxNameLength + 40];
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(name, type, DnsLimits.ClassIN);
        w.TryWriteOpt(1232, dnssecOk: false);
        var length = w.Finish(0, DnsHeader.RdBit);
        return buffer[..length].ToArray();
    }
}
