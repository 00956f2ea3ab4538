using BenchmarkDotNet.Attributes;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Bench.Tunnel;

/// <summary>
/// The client's per-packet paths with <see cref="Mappings"/> stand-in mappings (depth 1): a packet from an application
/// to a stand-in (parse, lookup, destination rewrite, MSS clamp check) and a reply from the tunnel (parse, peer check,
/// reverse lookup, source rewrite). Each call walks to the next mapping; each copies its 92-byte packet into a work
/// buffer first, because the engine rewrites in place.
/// </summary>
[MemoryDiagnoser]
public class ClientEngineBenchmarks
{
    [Params(1, 1_000, 100_000)]
    public int Mappings;

    private ClientEngine _engine = null!;
    private byte[] _fromApp = null!, _fromTunnel = null!;
    private readonly byte[] _work = GC.AllocateArray<byte>(ClientEngine.Headroom + TunnelWorkloads.Stride, pinned: true);
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        (_engine, var mappings) = TunnelWorkloads.NewClient(Mappings);
        _fromApp = new byte[Mappings * TunnelWorkloads.Stride];
        _fromTunnel = new byte[Mappings * TunnelWorkloads.Stride];
        var payload = new byte[TunnelWorkloads.PayloadSize];
        for (var i = 0; i < Mappings; i++)
        {
            PacketBuilder.BuildUdp(_fromApp.AsSpan(i * TunnelWorkloads.Stride), _engine.Table.OwnAddress, 40001,
                mappings[i].StandIn, TunnelWorkloads.ServerPort, payload);
            PacketBuilder.BuildUdp(_fromTunnel.AsSpan(i * TunnelWorkloads.Stride), TunnelWorkloads.Destination(i),
                TunnelWorkloads.ServerPort, _engine.Table.OwnAddress, 40001, payload);
        }
        // Both paths must forward, or the benchmark would measure the drop path.
        _next = 0;
        if (FromApplication() != TunnelWorkloads.PacketSize) throw new InvalidOperationException("FromApplication did not forward");
        _next = 0;
        if (FromTunnel() != TunnelWorkloads.PacketSize) throw new InvalidOperationException("FromTunnel did not forward");
        _next = 0;
    }

    [Benchmark]
    public int FromApplication()
    {
        var i = Step();
        _fromApp.AsSpan(i * TunnelWorkloads.Stride, TunnelWorkloads.PacketSize).CopyTo(_work.AsSpan(ClientEngine.Headroom));
        _engine.FromApplication(_work, ClientEngine.Headroom, TunnelWorkloads.PacketSize, out _, out var length, out _, out _, out _);
        return length;
    }

    [Benchmark]
    public int FromTunnel()
    {
        var i = Step();
        _fromTunnel.AsSpan(i * TunnelWorkloads.Stride, TunnelWorkloads.PacketSize).CopyTo(_work);
        _engine.FromTunnel(_work.AsSpan(0, TunnelWorkloads.PacketSize), TunnelWorkloads.Hop(i), 100, out _, out var length, out _);
        return length;
    }

    private int Step()
    {
        var i = _next;
        _next = i + 1 == Mappings ? 0 : i + 1;
        return i;
    }
}
