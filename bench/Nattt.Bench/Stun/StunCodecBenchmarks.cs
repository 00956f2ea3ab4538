using System.Net;
using BenchmarkDotNet.Attributes;
using Nattt.Stun.Server;
using Nattt.Stun.Wire;

namespace Nattt.Bench.Stun;

/// <summary>
/// The STUN server's hot path: parse a Binding request, write the response. Allocations must stay at zero
/// (the MemoryDiagnoser column), except where noted.
/// </summary>
[MemoryDiagnoser]
public class StunCodecBenchmarks
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("198.51.100.9:40000");
    private readonly byte[] _response = new byte[1500];
    private byte[] _plainRequest = [];
    private byte[] _rfc5769Request = [];
    private StunServerEngine _engine = null!;
    private StunServerEngine _rfc5780Engine = null!;
    private byte[] _key = [];

    [GlobalSetup]
    public void Setup()
    {
        var buffer = new byte[64];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Convert.FromHexString("0102030405060708090a0b0c"));
        w.TryWriteFingerprint();
        _plainRequest = w.Written.ToArray();
        // RFC 5769 section 2.1: SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT.
        _rfc5769Request = Convert.FromHexString(
            "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74" +
            "002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014" +
            "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf");
        _key = StunCredentials.ShortTermKey("VOkJxbRl1RmTxUk/WvJxBt");
        _engine = new StunServerEngine(new StunServerAddresses(IPEndPoint.Parse("203.0.113.1:3478")));
        _rfc5780Engine = new StunServerEngine(new StunServerAddresses(IPEndPoint.Parse("203.0.113.1:3478"), IPAddress.Parse("203.0.113.2")));
    }

    [Benchmark(Description = "parse RFC 5769 request + read USERNAME")]
    public int ParseRequest()
    {
        StunMessageReader.TryParse(_rfc5769Request, out var m);
        UsernameAttribute.Read(m, out var username);
        return username.Length;
    }

    [Benchmark(Description = "parse + FINGERPRINT + MESSAGE-INTEGRITY check")]
    public bool ParseAndVerify()
    {
        StunMessageReader.TryParse(_rfc5769Request, out var m);
        return m.IsFingerprintValid() && m.VerifyMessageIntegrity(_key);
    }

    [Benchmark(Description = "write Binding success (XOR-MAPPED, SOFTWARE, FINGERPRINT)")]
    public int WriteResponse()
    {
        var w = new StunMessageWriter(_response, StunMessageType.BindingSuccess, _plainRequest.AsSpan(8, 12));
        XorMappedAddressAttribute.TryWrite(ref w, Client);
        SoftwareAttribute.TryWrite(ref w, "nattt");
        w.TryWriteFingerprint();
        return w.BytesWritten;
    }

    [Benchmark(Description = "engine: request in, response out")]
    public int EngineHandle() =>
        _engine.Handle(_plainRequest, Client, StunServerEndpointId.Primary, StunTransport.Udp, _response).Length;

    [Benchmark(Description = "engine with RFC 5780 (OTHER-ADDRESS, RESPONSE-ORIGIN)")]
    public int EngineHandleRfc5780() =>
        _rfc5780Engine.Handle(_plainRequest, Client, StunServerEndpointId.Primary, StunTransport.Udp, _response).Length;
}
