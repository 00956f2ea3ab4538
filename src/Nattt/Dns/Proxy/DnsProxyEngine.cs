using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Dns.Proxy;

/// <summary>
/// The DNS proxy's decisions (docs/dns.md "What the proxy does"), independent of sockets: one client query in, one
/// response out (or none, for messages that must not be answered). Everything not handled here goes upstream and its
/// answer comes back unchanged but for the ID. Handled: A/AAAA whose upstream answer is negative (NXDOMAIN or
/// NODATA) and whose name has a NAT path (NAT RR, then A-record emulation): a synthesised stand-in address; PTR for
/// stand-in addresses. The upstream, the clock and the stand-in table are injected; unit tests run it on a fake
/// upstream and a FakeTimeProvider. Thread-safe: called concurrently for many queries; the cache has its own lock.
/// </summary>
public sealed class DnsProxyEngine
{
    private readonly DnsProxyOptions _options;
    private readonly IDnsUpstream _upstream;
    private readonly IStandInMappings _mappings;
    private readonly ILogger _logger;
    private readonly NatPathResolver _resolver;
    private readonly NatPathCache _cache;
    private readonly DnsLogLimiter _limiter;

    public DnsProxyEngine(DnsProxyOptions options, IDnsUpstream upstream, IStandInMappings mappings, TimeProvider time,
        ILogger logger, DnsProxyCounters? counters = null)
    {
        _options = options;
        _upstream = upstream;
        _mappings = mappings;
        _logger = logger;
        Counters = counters ?? new DnsProxyCounters();
        _cache = new NatPathCache(time, options.MaxCachedPaths);
        _limiter = new DnsLogLimiter(time, TimeSpan.FromSeconds(10));
        _resolver = new NatPathResolver(upstream, options.NatRecordType, options.UseEmulation, Counters,
            (name, error) => DnsProxyLog.InvalidNatRecord(logger, name, error.ToString()));
    }

    public DnsProxyCounters Counters { get; }

    /// <summary>Counts a dropped message and logs it, rate-limited per reason.</summary>
    public void Drop(DnsDropReason reason, EndPoint? peer)
    {
        Counters.Dropped(reason);
        if (_limiter.TryEnter(reason.ToString(), out var suppressed))
            DnsProxyLog.Dropped(_logger, reason.ToString(), peer?.ToString() ?? "?", suppressed);
    }

    /// <summary>The size of the buffer for answers the proxy makes itself (synthesised, PTR, errors): they are small.</summary>
    private const int LocalAnswerSize = 4096;

    /// <summary>Handles one client query. The response is the upstream's own buffer for a passed-through answer (no
    /// copy), or a small rented buffer for an answer made here; empty when nothing is to be sent back. The caller
    /// sends it and disposes it.</summary>
    public async ValueTask<DnsProxyResponse> HandleAsync(ReadOnlyMemory<byte> query, DnsTransport transport, EndPoint? client,
        CancellationToken cancellationToken)
    {
        var local = ArrayPool<byte>.Shared.Rent(LocalAnswerSize);
        try
        {
            var (length, forwarded) = await HandleCoreAsync(query, transport, local, client, cancellationToken).ConfigureAwait(false);
            if (forwarded.Length > 0) return forwarded;
            if (length <= 0) return default;
            var response = new DnsProxyResponse(local, length);
            local = null;
            return response;
        }
        finally
        {
            if (local is not null) ArrayPool<byte>.Shared.Return(local);
        }
    }

    private async ValueTask<(int Length, DnsProxyResponse Forwarded)> HandleCoreAsync(ReadOnlyMemory<byte> query, DnsTransport transport,
        Memory<byte> response, EndPoint? client, CancellationToken cancellationToken)
    {
        if (transport == DnsTransport.Udp) Counters.QueryUdp(); else Counters.QueryTcp();
        if (!DnsHeader.TryRead(query.Span, out var header)) { Drop(DnsDropReason.Truncated, client); return (0, default); }
        if (header.IsResponse) { Drop(DnsDropReason.NotAQuery, client); return (0, default); } // never answer answers: no loops
        if (header.Opcode != 0)
        {
            // NOTIFY, UPDATE, ...: not ours to interpret, but only well-formed ones go upstream.
            var whole = new DnsMessageReader(query.Span);
            if (whole.TryValidateAll()) return await PassThroughAsync(query, transport, response, header, null, cancellationToken).ConfigureAwait(false);
            Drop(whole.Error, client);
            Counters.FormErr();
            return (DnsResponseBuilder.WriteError(response.Span, header.Id, header.Flags, null, DnsResponseCode.FormErr), default);
        }
        var info = ReadQuery(query.Span, out var reason);
        if (info is null)
        {
            Drop(reason, client);
            Counters.FormErr();
            return (DnsResponseBuilder.WriteError(response.Span, header.Id, header.Flags, null, DnsResponseCode.FormErr), default);
        }
        if (info.Class == DnsLimits.ClassIN)
        {
            if (info.Type == (ushort)DnsType.PTR && TryAnswerPtr(info, response.Span, out var ptrLength)) return (ptrLength, default);
            if (info.Type is (ushort)DnsType.A or (ushort)DnsType.AAAA)
                return await HandleAddressQueryAsync(query, transport, response, header, info, cancellationToken).ConfigureAwait(false);
        }
        return await PassThroughAsync(query, transport, response, header, info, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<(int, DnsProxyResponse)> HandleAddressQueryAsync(ReadOnlyMemory<byte> query, DnsTransport transport, Memory<byte> response,
        DnsHeader header, DnsQueryInfo info, CancellationToken ct)
    {
        var key = Key(info.Name);
        if (_cache.TryGet(key, out var cached, out var remaining) && cached.Path is not null)
        {
            Counters.CacheHit();
            var length = Synthesize(response.Span, info, [], info.Name, cached.Path, key, (uint)remaining.TotalSeconds, cached.Source, logNew: false);
            if (length > 0) return (length, default);
        }
        var answer = await _upstream.QueryAsync(query, transport, tcpFallback: false, ct).ConfigureAwait(false);
        if (!answer.Succeeded) return (ServFail(response.Span, header, info), default);
        int synthesized;
        try
        {
            synthesized = await SynthesizeIfNegativeAsync(answer, response, info, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            answer.Dispose();
            throw;
        }
        if (synthesized <= 0) return (0, Forward(answer)); // the upstream's buffer is handed over
        answer.Dispose();
        return (synthesized, default);
    }

    /// <summary>For a negative upstream answer (NXDOMAIN, NODATA) to an A/AAAA query: the NAT path of the name at the
    /// end of the CNAME chain (cached, or looked up), and the synthesised answer; 0 when there is none.</summary>
    private async ValueTask<int> SynthesizeIfNegativeAsync(DnsUpstreamAnswer answer, Memory<byte> response, DnsQueryInfo info, CancellationToken ct)
    {
        var analysis = DnsResponseAnalysis.Analyze(answer.Span, info.Name, info.Type);
        if (analysis.Kind is DnsAnswerKind.NoData or DnsAnswerKind.NXDomain)
        {
            var finalKey = Key(analysis.FinalName);
            TunnelPath? path = null;
            uint ttl = 0;
            var source = NatPathSource.None;
            var fresh = false;
            if (_cache.TryGet(finalKey, out var entry, out var left))
            {
                Counters.CacheHit();
                (path, ttl, source) = (entry.Path, (uint)left.TotalSeconds, entry.Source);
            }
            else
            {
                var lookup = await _resolver.LookupAsync(analysis.FinalName, ct).ConfigureAwait(false);
                if (!lookup.Failed)
                {
                    var maxTtl = (uint)_options.MaxSynthesizedTtl.TotalSeconds;
                    ttl = Math.Min(Math.Min(lookup.Ttl, maxTtl), analysis.NegativeTtl ?? uint.MaxValue);
                    (path, source, fresh) = (lookup.Path, lookup.Source, true);
                    var negative = Math.Min((uint)_options.NegativeCacheTtl.TotalSeconds, analysis.NegativeTtl ?? uint.MaxValue);
                    _cache.Set(finalKey, path, source, TimeSpan.FromSeconds(path is null ? negative : ttl));
                }
            }
            if (path is not null)
            {
                var length = Synthesize(response.Span, info, analysis.Cnames, analysis.FinalName, path, finalKey, ttl, source, fresh);
                if (length > 0) return length;
            }
        }
        return 0;
    }

    /// <summary>Maps (or refreshes) the stand-in and writes the answer; 0 when the pool has none (then the upstream's
    /// answer goes back as it was).</summary>
    private int Synthesize(Span<byte> response, DnsQueryInfo info, IReadOnlyList<(byte[] Owner, byte[] Target, uint Ttl)> cnames,
        byte[] finalName, TunnelPath path, string key, uint ttl, NatPathSource source, bool logNew)
    {
        var family = info.Type == (ushort)DnsType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        var name = key.TrimEnd('.');
        var standIn = _mappings.MapOrRefresh(path, name, family, TimeSpan.FromSeconds(Math.Max(ttl, 1)));
        if (standIn is null || standIn.AddressFamily != family)
        {
            if (family == AddressFamily.InterNetworkV6)
            {
                Counters.SynthesizedNoData();
                return DnsResponseBuilder.WriteNoData(response, info, cnames);
            }
            Counters.PoolExhausted();
            DnsProxyLog.PoolExhausted(_logger, name);
            return 0;
        }
        Counters.Synthesized();
        if (logNew) DnsProxyLog.Mapped(_logger, name, standIn.ToString(), path.ToString(), ttl, source.ToString());
        return DnsResponseBuilder.WriteAddress(response, info, cnames, finalName, standIn, ttl);
    }

    private bool TryAnswerPtr(DnsQueryInfo info, Span<byte> response, out int length)
    {
        length = 0;
        if (!ReverseName.TryParse(info.Name, out var address) || !_mappings.TryGetName(address, out var name)) return false;
        if (!DnsName.TryParseText(name, out var target, out _)) return false;
        Counters.PtrAnswered();
        length = DnsResponseBuilder.WritePtr(response, info, target, (uint)Math.Min(60, _options.MaxSynthesizedTtl.TotalSeconds));
        return length > 0;
    }

    private async ValueTask<(int, DnsProxyResponse)> PassThroughAsync(ReadOnlyMemory<byte> query, DnsTransport transport, Memory<byte> response,
        DnsHeader header, DnsQueryInfo? info, CancellationToken ct)
    {
        var answer = await _upstream.QueryAsync(query, transport, tcpFallback: false, ct).ConfigureAwait(false);
        return answer.Succeeded ? (0, Forward(answer)) : (ServFail(response.Span, header, info), default);
    }

    /// <summary>Hands the upstream's answer buffer over as the response: the bytes go back as they came.</summary>
    private DnsProxyResponse Forward(DnsUpstreamAnswer answer)
    {
        Counters.PassedThrough();
        return new DnsProxyResponse(answer.Buffer!, answer.Length);
    }

    private int ServFail(Span<byte> response, DnsHeader header, DnsQueryInfo? info)
    {
        Counters.ServFail();
        return Math.Max(0, DnsResponseBuilder.WriteError(response, header.Id, header.Flags, info, DnsResponseCode.ServFail));
    }

    private static string Key(ReadOnlySpan<byte> wireName) => DnsName.ToText(wireName).ToLowerInvariant();

    /// <summary>Reads the one question and checks the whole query is well formed; notes an EDNS0 OPT.</summary>
    private static DnsQueryInfo? ReadQuery(ReadOnlySpan<byte> query, out DnsDropReason reason)
    {
        var reader = new DnsMessageReader(query);
        if (reader.Header.QuestionCount != 1) { reason = DnsDropReason.BadQuestionCount; return null; }
        if (!reader.TryReadQuestion(out var question)) { reason = reader.Error; return null; }
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        if (!DnsName.TryRead(query, question.NameOffset, name, out var nameLength, out _, out reason)) return null;
        bool hasOpt = false, dnssecOk = false;
        while (reader.TryReadRecord(out var record))
            if (record.Type == (ushort)DnsType.OPT) { hasOpt = true; dnssecOk = (record.Ttl & 0x8000) != 0; }
        if (!reader.IsValid) { reason = reader.Error; return null; }
        reason = DnsDropReason.None;
        return new DnsQueryInfo(reader.Header.Id, reader.Header.Flags, name[..nameLength].ToArray(), question.Type, question.Class, hasOpt, dnssecOk);
    }
}
