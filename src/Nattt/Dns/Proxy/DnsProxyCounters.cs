using Nattt.Dns.Wire;

namespace Nattt.Dns.Proxy;

/// <summary>What the proxy did, always on. Thread-safe (Interlocked); read with <see cref="Snapshot"/>.</summary>
public sealed class DnsProxyCounters
{
    private long _queriesUdp, _queriesTcp, _passedThrough, _synthesized, _synthesizedNoData, _ptrAnswered;
    private long _natLookups, _natRecordsFound, _emulationFound, _natRecordsInvalid, _poolExhausted;
    private long _upstreamTimeouts, _upstreamErrors, _servFail, _formErr, _tcpRefused, _cacheHits;
    private readonly long[] _dropped = new long[Enum.GetValues<DnsDropReason>().Length];

    public void QueryUdp() => Interlocked.Increment(ref _queriesUdp);
    public void QueryTcp() => Interlocked.Increment(ref _queriesTcp);
    public void PassedThrough() => Interlocked.Increment(ref _passedThrough);
    public void Synthesized() => Interlocked.Increment(ref _synthesized);
    public void SynthesizedNoData() => Interlocked.Increment(ref _synthesizedNoData);
    public void PtrAnswered() => Interlocked.Increment(ref _ptrAnswered);
    public void NatLookup() => Interlocked.Increment(ref _natLookups);
    public void NatRecordFound() => Interlocked.Increment(ref _natRecordsFound);
    public void EmulationFound() => Interlocked.Increment(ref _emulationFound);
    public void NatRecordInvalid() => Interlocked.Increment(ref _natRecordsInvalid);
    public void PoolExhausted() => Interlocked.Increment(ref _poolExhausted);
    public void UpstreamTimeout() => Interlocked.Increment(ref _upstreamTimeouts);
    public void UpstreamError() => Interlocked.Increment(ref _upstreamErrors);
    public void ServFail() => Interlocked.Increment(ref _servFail);
    public void FormErr() => Interlocked.Increment(ref _formErr);
    public void TcpRefused() => Interlocked.Increment(ref _tcpRefused);
    public void CacheHit() => Interlocked.Increment(ref _cacheHits);
    public void Dropped(DnsDropReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    public long DroppedCount(DnsDropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);

    /// <summary>All counters by name (dropped ones as <c>dropped.REASON</c>), zero ones included, in a stable order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot()
    {
        var list = new List<KeyValuePair<string, long>>
        {
            new("queries.udp", Interlocked.Read(ref _queriesUdp)),
            new("queries.tcp", Interlocked.Read(ref _queriesTcp)),
            new("passed_through", Interlocked.Read(ref _passedThrough)),
            new("synthesized", Interlocked.Read(ref _synthesized)),
            new("synthesized_nodata", Interlocked.Read(ref _synthesizedNoData)),
            new("ptr_answered", Interlocked.Read(ref _ptrAnswered)),
            new("cache_hits", Interlocked.Read(ref _cacheHits)),
            new("nat_lookups", Interlocked.Read(ref _natLookups)),
            new("nat_records_found", Interlocked.Read(ref _natRecordsFound)),
            new("emulation_found", Interlocked.Read(ref _emulationFound)),
            new("nat_records_invalid", Interlocked.Read(ref _natRecordsInvalid)),
            new("pool_exhausted", Interlocked.Read(ref _poolExhausted)),
            new("upstream_timeouts", Interlocked.Read(ref _upstreamTimeouts)),
            new("upstream_errors", Interlocked.Read(ref _upstreamErrors)),
            new("servfail_sent", Interlocked.Read(ref _servFail)),
            new("formerr_sent", Interlocked.Read(ref _formErr)),
            new("tcp_refused", Interlocked.Read(ref _tcpRefused)),
        };
        foreach (var reason in Enum.GetValues<DnsDropReason>())
            if (reason != DnsDropReason.None) list.Add(new("dropped." + reason, DroppedCount(reason)));
        return list;
    }

    /// <summary>One line <c>key=value ...</c> (logged at shutdown and periodically).</summary>
    public string Format() => string.Join(' ', Snapshot().Select(kv => $"{kv.Key}={kv.Value}"));
}
