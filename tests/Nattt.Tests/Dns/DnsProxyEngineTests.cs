using System.Net;
using System.Net.Sockets;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nattt.Dns;
using Nattt.Dns.Proxy;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Tests.Dns;

public sealed class DnsProxyEngineTests
{
    private static readonly TunnelPath OneHop = new([new IPEndPoint(IPAddress.Parse("198.51.100.7"), 8080)], IPAddress.Parse("172.20.0.20"));
    private static readonly TunnelPath TwoHops = new([new IPEndPoint(IPAddress.Parse("203.0.113.1"), 100), new IPEndPoint(IPAddress.Parse("10.0.0.2"), 4000)],
        IPAddress.Parse("10.1.0.5"));

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-23T20:00:00Z"));
    private readonly FakeZoneUpstream _zone = new();
    private readonly FakeStandInMappings _mappings = new();

    private DnsProxyEngine Engine(DnsProxyOptions? options = null) =>
        new(options ?? new DnsProxyOptions(), _zone, _mappings, _time, NullLogger.Instance);

    private static byte[] Query(string name, DnsType type, ushort id = 0x1234, bool edns = true)
    {
        var buffer = new byte[300];
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(DnsName.ParseText(name), (ushort)type, 1);
        if (edns) w.TryWriteOpt(4096, dnssecOk: true);
        return buffer[..w.Finish(id, DnsHeader.RdBit)];
    }

    private sealed record Parsed(DnsHeader Header, List<(string Name, ushort Type, uint Ttl, string Value)> Answers, bool HasOpt);

    private static Parsed Parse(ReadOnlySpan<byte> message)
    {
        var r = new DnsMessageReader(message);
        Assert.True(r.TrySkipQuestions(), r.Error.ToString());
        var answers = new List<(string, ushort, uint, string)>();
        var hasOpt = false;
        Span<byte> name = stackalloc byte[255];
        while (true)
        {
            var section = r.NextSection;
            if (!r.TryReadRecord(out var rec)) break;
            if (rec.Type == (ushort)DnsType.OPT) hasOpt = true;
            if (section != 1) continue;
            DnsName.TryRead(message, rec.NameOffset, name, out var n, out _, out _);
            var owner = DnsName.ToText(name[..n]);
            string value = rec.Type switch
            {
                (ushort)DnsType.A or (ushort)DnsType.AAAA => new IPAddress(rec.Rdata(message)).ToString(),
                (ushort)DnsType.CNAME or (ushort)DnsType.PTR => DnsRdata.TryReadName(message, rec, name, out var t, out _) ? DnsName.ToText(name[..t]) : "?",
                _ => Convert.ToHexString(rec.Rdata(message)),
            };
            answers.Add((owner, rec.Type, rec.Ttl, value));
        }
        Assert.True(r.IsValid, r.Error.ToString());
        return new Parsed(r.Header, answers, hasOpt);
    }

    private async Task<(int Length, byte[] Response)> Ask(DnsProxyEngine engine, byte[] query, DnsTransport transport = DnsTransport.Udp)
    {
        using var response = await engine.HandleAsync(query, transport, null, CancellationToken.None);
        return (response.Length, response.Span.ToArray());
    }

    [Fact]
    public async Task HandleAsync_NameWithARecord_PassesUpstreamAnswerThroughUnchanged()
    {
        _zone.A("www.example.test", "192.0.2.80");
        var engine = Engine();
        var (n, response) = await Ask(engine, Query("www.example.test", DnsType.A));
        Assert.True(n > 0);
        Assert.Equal(_zone.LastAnswers.Single(), response);
        Assert.Equal("192.0.2.80", Parse(response).Answers.Single().Value);
        Assert.Empty(_mappings.Calls);
        Assert.Equal(1, _zone.QueryCount); // no NAT lookup for a name that has its A record
    }

    [Fact]
    public async Task HandleAsync_NameWithNatRecord_SynthesisesStandInWithBoundedTtl()
    {
        _zone.Nat("b.example.test", OneHop, ttl: 120);
        _zone.SoaMinimum = 90; // the negative TTL is smaller than the NAT RR's: it bounds the answer
        var (n, response) = await Ask(Engine(), Query("b.example.test", DnsType.A, id: 0xABCD));
        var parsed = Parse(response);
        Assert.Equal(0xABCD, parsed.Header.Id);
        Assert.Equal(DnsResponseCode.NoError, parsed.Header.ResponseCode);
        Assert.True(parsed.HasOpt, "a query with EDNS0 gets an answer with EDNS0");
        var a = Assert.Single(parsed.Answers);
        Assert.Equal(("b.example.test.", (ushort)DnsType.A, 90u, "198.18.0.2"), a);
        var call = Assert.Single(_mappings.Calls);
        Assert.Equal(OneHop, call.Path);
        Assert.Equal("b.example.test", call.Name);
        Assert.Equal(AddressFamily.InterNetwork, call.Family);
        Assert.Equal(TimeSpan.FromSeconds(90), call.ValidFor);
        Assert.Contains(_zone.Queries, q => q.Type == NatRecord.DefaultType);
    }

    [Fact]
    public async Task HandleAsync_SecondQueryWithinTtl_AnsweredFromCacheWithDecreasingTtl()
    {
        _zone.Nat("b.example.test", OneHop, ttl: 120);
        var engine = Engine();
        await Ask(engine, Query("b.example.test", DnsType.A));
        var upstreamQueries = _zone.QueryCount;
        _time.Advance(TimeSpan.FromSeconds(20));
        var (_, response) = await Ask(engine, Query("b.example.test", DnsType.A));
        Assert.Equal(upstreamQueries, _zone.QueryCount);
        Assert.Equal(100u, Parse(response).Answers.Single().Ttl);
        Assert.Equal(1, engine.Counters.Snapshot().Single(kv => kv.Key == "cache_hits").Value);
        _time.Advance(TimeSpan.FromSeconds(101));
        await Ask(engine, Query("b.example.test", DnsType.A));
        Assert.True(_zone.QueryCount > upstreamQueries, "after the TTL the path is looked up again");
    }

    [Fact]
    public async Task HandleAsync_EmulationRecordsTwoHops_SynthesisesFromThem()
    {
        foreach (var (owner, type, value) in NatRecordEmulation.Records("c.example.test", TwoHops))
            _zone.A(owner, value.ToString(), ttl: type == "A" && owner.StartsWith("nattt-port2") ? 50u : 200u);
        var (_, response) = await Ask(Engine(), Query("c.example.test", DnsType.A));
        var a = Assert.Single(Parse(response).Answers);
        Assert.Equal(50u, a.Ttl); // the smallest TTL of the records used
        Assert.Equal(TwoHops, _mappings.Calls.Single().Path);
    }

    [Fact]
    public async Task HandleAsync_EmulationWithoutPortRecord_UsesPort100()
    {
        _zone.A("nattt-dest.d.example.test", "10.9.0.9").A("nattt-hop1.d.example.test", "203.0.113.9");
        await Ask(Engine(), Query("d.example.test", DnsType.A));
        Assert.Equal(new TunnelPath([new IPEndPoint(IPAddress.Parse("203.0.113.9"), 100)], IPAddress.Parse("10.9.0.9")), _mappings.Calls.Single().Path);
    }

    [Fact]
    public async Task HandleAsync_EmulationDisabled_NoEmulationQueries()
    {
        _zone.A("nattt-dest.d.example.test", "10.9.0.9").A("nattt-hop1.d.example.test", "203.0.113.9");
        var (_, response) = await Ask(Engine(new DnsProxyOptions { UseEmulation = false }), Query("d.example.test", DnsType.A));
        Assert.Empty(Parse(response).Answers);
        Assert.DoesNotContain(_zone.Queries, q => q.Name.StartsWith("_nattt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_AaaaForNatName_NoDataWithoutIPv6Pool()
    {
        _zone.Nat("b.example.test", OneHop);
        var (_, response) = await Ask(Engine(), Query("b.example.test", DnsType.AAAA));
        var parsed = Parse(response);
        Assert.Equal(DnsResponseCode.NoError, parsed.Header.ResponseCode);
        Assert.Empty(parsed.Answers);
        Assert.Equal(AddressFamily.InterNetworkV6, _mappings.Calls.Single().Family);
    }

    [Fact]
    public async Task HandleAsync_AaaaForNatNameWithIPv6Pool_AnswersIPv6StandIn()
    {
        _zone.Nat("b.example.test", OneHop);
        _mappings.IPv6StandIn = IPAddress.Parse("fd7a:1::5");
        var (_, response) = await Ask(Engine(), Query("b.example.test", DnsType.AAAA));
        Assert.Equal("fd7a:1::5", Parse(response).Answers.Single().Value);
    }

    [Fact]
    public async Task HandleAsync_PtrForStandIn_AnswersName()
    {
        _zone.Nat("b.example.test", OneHop);
        var engine = Engine();
        await Ask(engine, Query("b.example.test", DnsType.A));
        var before = _zone.QueryCount;
        var (_, response) = await Ask(engine, Query(ReverseName.ToName(IPAddress.Parse("198.18.0.2")), DnsType.PTR));
        Assert.Equal("b.example.test.", Parse(response).Answers.Single().Value);
        Assert.Equal(before, _zone.QueryCount);
    }

    [Fact]
    public async Task HandleAsync_PtrForOtherAddress_PassedThrough()
    {
        var (_, response) = await Ask(Engine(), Query(ReverseName.ToName(IPAddress.Parse("192.0.2.1")), DnsType.PTR));
        Assert.Equal(_zone.LastAnswers.Single(), response);
    }

    [Fact]
    public async Task HandleAsync_NoRecordsAtAll_NxDomainPassedThroughAndNegativelyCached()
    {
        var engine = Engine();
        var (_, response) = await Ask(engine, Query("nothing.example.test", DnsType.A));
        Assert.Equal(DnsResponseCode.NXDomain, Parse(response).Header.ResponseCode);
        Assert.Equal(_zone.LastAnswers[0], response);
        var natLookups = _zone.Queries.Count(q => q.Type == NatRecord.DefaultType);
        await Ask(engine, Query("nothing.example.test", DnsType.A));
        Assert.Equal(natLookups, _zone.Queries.Count(q => q.Type == NatRecord.DefaultType));
        Assert.Empty(_mappings.Calls);
    }

    [Fact]
    public async Task HandleAsync_CnameToNatName_AnswersChainThenStandIn()
    {
        _zone.Cname("alias.example.test", "b.example.test", ttl: 40).Nat("b.example.test", OneHop);
        var (_, response) = await Ask(Engine(), Query("alias.example.test", DnsType.A));
        var answers = Parse(response).Answers;
        Assert.Equal(2, answers.Count);
        Assert.Equal(("alias.example.test.", (ushort)DnsType.CNAME, "b.example.test."), (answers[0].Name, answers[0].Type, answers[0].Value));
        Assert.Equal(("b.example.test.", (ushort)DnsType.A, "198.18.0.2"), (answers[1].Name, answers[1].Type, answers[1].Value));
    }

    [Fact]
    public async Task HandleAsync_InvalidNatRecord_CountedAndUpstreamAnswerReturned()
    {
        _zone.Add("bad.example.test", NatRecord.DefaultType, 300, [9, 9, 9]);
        var engine = Engine();
        var (_, response) = await Ask(engine, Query("bad.example.test", DnsType.A));
        Assert.Empty(Parse(response).Answers);
        Assert.Equal(1, engine.Counters.Snapshot().Single(kv => kv.Key == "nat_records_invalid").Value);
        Assert.Empty(_mappings.Calls);
    }

    [Fact]
    public async Task HandleAsync_UnknownTypeAndNatTypeQueries_PassedThroughUnchanged()
    {
        _zone.Nat("b.example.test", OneHop).Add("b.example.test", 65000, 60, [1, 2, 3]);
        var engine = Engine();
        foreach (var type in new ushort[] { NatRecord.DefaultType, 65000, (ushort)DnsType.TXT })
        {
            var query = Query("b.example.test", (DnsType)type);
            var (_, response) = await Ask(engine, query);
            Assert.Equal(_zone.LastAnswers[^1], response);
        }
        Assert.Empty(_mappings.Calls);
    }

    [Fact]
    public async Task HandleAsync_TcpQuery_ForwardedOverTcp()
    {
        _zone.A("www.example.test", "192.0.2.80");
        await Ask(Engine(), Query("www.example.test", DnsType.A), DnsTransport.Tcp);
        Assert.Equal(DnsTransport.Tcp, _zone.Queries.Single().Transport);
    }

    [Fact]
    public async Task HandleAsync_UpstreamFails_ServFail()
    {
        _zone.Fail = true;
        var engine = Engine();
        var (_, response) = await Ask(engine, Query("www.example.test", DnsType.A, id: 77));
        var parsed = Parse(response);
        Assert.Equal(77, parsed.Header.Id);
        Assert.Equal(DnsResponseCode.ServFail, parsed.Header.ResponseCode);
        Assert.Equal(1, engine.Counters.Snapshot().Single(kv => kv.Key == "servfail_sent").Value);
    }

    [Fact]
    public async Task HandleAsync_PoolExhausted_UpstreamAnswerReturned()
    {
        _mappings.Capacity = 0;
        _zone.Nat("b.example.test", OneHop);
        var engine = Engine();
        var (_, response) = await Ask(engine, Query("b.example.test", DnsType.A));
        Assert.Empty(Parse(response).Answers);
        Assert.Equal(1, engine.Counters.Snapshot().Single(kv => kv.Key == "pool_exhausted").Value);
    }

    [Fact]
    public async Task HandleAsync_Response_DroppedAndCounted()
    {
        var query = Query("www.example.test", DnsType.A);
        query[2] |= 0x80; // QR
        var engine = Engine();
        Assert.Equal(0, (await Ask(engine, query)).Length);
        Assert.Equal(1, engine.Counters.DroppedCount(DnsDropReason.NotAQuery));
        Assert.Equal(0, _zone.QueryCount);
    }

    [Fact]
    public async Task HandleAsync_TruncatedQueries_FormErrOrDropNeverUpstream()
    {
        var query = Query("www.example.test", DnsType.A);
        var engine = Engine();
        for (var n = 0; n < query.Length; n++)
        {
            var (length, response) = await Ask(engine, query[..n]);
            if (n < 12) Assert.Equal(0, length);
            else Assert.Equal(DnsResponseCode.FormErr, new DnsMessageReader(response).Header.ResponseCode);
        }
        Assert.Equal(0, _zone.QueryCount);
        var dropped = Enum.GetValues<DnsDropReason>().Sum(r => engine.Counters.DroppedCount(r));
        Assert.Equal(query.Length, dropped); // every prefix counted once, by its reason
    }

    [Fact]
    public void HandleAsync_RandomBytes_NeverThrows()
    {
        var engine = Engine();
        _zone.Nat("b.example.test", OneHop);
        Gen.Byte.Array[0, 100].Sample(bytes =>
        {
            using var response = engine.HandleAsync(bytes, DnsTransport.Udp, null, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }, iter: 5000);
    }

    [Fact]
    public void HandleAsync_MutatedQueries_NeverThrow()
    {
        var engine = Engine();
        _zone.Nat("b.example.test", OneHop);
        var valid = Query("b.example.test", DnsType.A);
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte).Array[1, 4].Sample(mutations =>
        {
            var copy = (byte[])valid.Clone();
            foreach (var (at, value) in mutations) copy[at] = value;
            using var response = engine.HandleAsync(copy, DnsTransport.Udp, null, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (!response.IsEmpty) Assert.True(new DnsMessageReader(response.Span).TryValidateAll());
        }, iter: 5000);
    }
}
