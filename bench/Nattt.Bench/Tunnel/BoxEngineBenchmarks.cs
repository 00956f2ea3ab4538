using BenchmarkDotNet.Attributes;
using Nattt.Tunnel;

namespace Nattt.Bench.Tunnel;

/// <summary>
/// The box's per-packet paths with <see cref="Flows"/> live flows: a tunnel datagram of an existing flow (parse,
/// lookup, source NAPT rewrite) and a reply from the private network (parse, reverse lookup, destination rewrite).
/// Each call walks to the next flow, so the larger tables show their cache misses. The engine rewrites in place, so
/// each call first copies the flow's 92-byte packet into a work buffer (a memcpy, included in the time).
/// </summary>
[MemoryDiagnoser]
public class BoxEngineBenchmarks
{
    [Params(1, 1_000, 100_000)]
    public int Flows;

    private BoxEngine _engine = null!;
    private byte[] _inbound = null!, _replies = null!;
    private readonly byte[] _work = GC.AllocateArray<byte>(TunnelWorkloads.Stride, pinned: true);
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _engine = TunnelWorkloads.NewBox(Flows);
        _inbound = new byte[Flows * TunnelWorkloads.Stride];
        _replies = TunnelWorkloads.OpenBoxFlows(_engine, Flows, _inbound);
    }

    [Benchmark]
    public int FromTunnelExistingFlow()
    {
        var i = Step();
        _inbound.AsSpan(i * TunnelWorkloads.Stride, TunnelWorkloads.PacketSize).CopyTo(_work);
        _engine.FromTunnel(_work.AsSpan(0, TunnelWorkloads.PacketSize), TunnelWorkloads.OuterAddress(i),
            TunnelWorkloads.OuterPort(i), out var length, out _);
        return length;
    }

    [Benchmark]
    public int FromLan()
    {
        var i = Step();
        _replies.AsSpan(i * TunnelWorkloads.Stride, TunnelWorkloads.PacketSize).CopyTo(_work);
        _engine.FromLan(_work.AsSpan(0, TunnelWorkloads.PacketSize), out _, out var port, out var length, out _);
        return length + port;
    }

    private int Step()
    {
        var i = _next;
        _next = i + 1 == Flows ? 0 : i + 1;
        return i;
    }
}
