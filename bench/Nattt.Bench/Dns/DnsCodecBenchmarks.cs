using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Nattt.Dns;
using Nattt.Dns.Proxy;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Bench.Dns;

/// <summary>The DNS proxy's code paths per query: reading a query, the NAT RR, writing a synthesised answer, and the
/// whole engine for a name whose path is cached (the "synthesised, mapping known" row of bench/results/dns.md).
/// Run: dotnet run -c Release --project bench/Nattt.Bench -- --filter '*Dns*'.</summary>
[MemoryDiagnoser]
public class DnsCodecBenchmarks
{
    private static readonly TunnelPath Path = new([new IPEndPoint(IPAddress.Parse("198.51.100.7"), 8080)], IPAddress.Parse("172.20.0.20"));
    private readonly byte[] _query = NatPathResolver.BuildQuery(DnsName.ParseText("b.example.test"), (ushort)DnsType.A);
    private readonly byte[] _legacy = NatRecord.ToRdata(Path);
    private readonly byte[] _extended = NatRecord.ToRdata(new TunnelPath(
        [new IPEndPoint(IPAddress.Parse("203.0.113.1"), 100), new IPEndPoint(IPAddress.Parse("2001:db8::7"), 4000)], IPAddress.Parse("fd00::5")));
    private readonly byte[] _buffer = new byte[4096];
    private readonly DnsQueryInfo _info = new(1, DnsHeader.RdBit, DnsName.ParseText("b.example.test"), 1, 1, true, false);
    private DnsProxyEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new DnsProxyEngine(new DnsProxyOptions(), new NatRecordOnlyUpstream(Path), new OneStandIn(), TimeProvider.System, NullLogger.Instance);
        using var warm = _engine.HandleAsync(_query, DnsTransport.Udp, null, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (warm.IsEmpty) throw new InvalidOperationException("the engine did not answer");
    }

    [Benchmark]
    public int ReadQueryQuestionAndValidate()
    {
        var r = new DnsMessageReader(_query);
        r.TryReadQuestion(out var q);
        r.TryValidateAll();
        return q.Type;
    }

    [Benchmark]
    public bool ParseNatRecordPrototypeForm() => NatRecord.TryParse(_legacy, out _, out _);

    [Benchmark]
    public bool ParseNatRecordExtendedForm() => NatRecord.TryParse(_extended, out _, out _);

    [Benchmark]
    public int WriteSynthesisedAnswer() =>
        DnsResponseBuilder.WriteAddress(_buffer, _info, [], _info.Name, IPAddress.Parse("198.18.0.2"), 60);

    [Benchmark]
    public int EngineCachedNatName()
    {
        using var response = _engine.HandleAsync(_query, DnsTransport.Udp, null, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return response.Length;
    }

    /// <summary>Answers NODATA to A queries and the NAT RR to NAT RR queries.</summary>
    private sealed class NatRecordOnlyUpstream(TunnelPath path) : IDnsUpstream
    {
        public ValueTask<DnsUpstreamAnswer> QueryAsync(ReadOnlyMemory<byte> query, DnsTransport transport, bool tcpFallback, CancellationToken ct)
        {
            var r = new DnsMessageReader(query.Span);
            r.TryReadQuestion(out var q);
            var name = new byte[255];
            DnsName.TryRead(query.Span, q.NameOffset, name, out var n, out _, out _);
            var buffer = ArrayPool<byte>.Shared.Rent(512);
            var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
            w.TryWriteQuestion(name.AsSpan(0, n), q.Type, q.Class);
            if (q.Type == NatRecord.DefaultType) w.TryWriteRecord(1, name.AsSpan(0, n), q.Type, 1, 300, NatRecord.ToRdata(path));
            var length = w.Finish(DnsHeader.ReadId(query.Span), DnsHeader.QrBit);
            return ValueTask.FromResult(new DnsUpstreamAnswer(buffer, length));
        }
    }

    private sealed class OneStandIn : IStandInMappings
    {
        private static readonly IPAddress StandIn = IPAddress.Parse("198.18.0.2");
        public IPAddress? MapOrRefresh(TunnelPath path, string name, AddressFamily family, TimeSpan validFor) =>
            family == AddressFamily.InterNetwork ? StandIn : null;
        public bool TryGetName(IPAddress standIn, out string name) { name = "b.example.test"; return true; }
    }
}
