using System.Net;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Bench.Tunnel;

/// <summary>
/// Builds engines holding N live flows (box) or N mappings (client), and the packets that hit them, for the code-path
/// benchmarks and the memory-per-flow measurement. Packets are UDP with a 64-byte payload (the packets-per-second
/// case); each flow has its own packet, stored back to back in one array so that a benchmark walks the table.
/// </summary>
internal static class TunnelWorkloads
{
    public const int PayloadSize = 64;
    public const int PacketSize = 20 + 8 + PayloadSize;
    public const int Stride = 128;
    public static readonly IpAddressValue Server = IpAddressValue.Parse("192.168.1.10");
    public static readonly IpAddressValue ClientInner = IpAddressValue.Parse("100.64.0.1");
    public const ushort ServerPort = 5201;

    /// <summary>Outer (public) endpoint of flow i: 250 addresses of 203.0.113.0/24, then ports.</summary>
    public static IpAddressValue OuterAddress(int i) => IpAddressValue.FromIPv4(0xCB007100u + 1 + (uint)(i % 250));
    public static ushort OuterPort(int i) => (ushort)(1024 + i / 250);
    public static ushort InnerPort(int i) => (ushort)(20000 + i % 40000);

    public static BoxEngine NewBox(int flows) => new(
        new ExposurePolicy([new PublishRule(new IPNetwork(IPAddress.Parse("192.168.1.10"), 32), IpProtocol.Udp, ServerPort, ServerPort)]),
        new BoxFlowLimits { MaxFlows = flows + 16, MaxFlowsPerSource = flows + 16 },
        TimeProvider.System);

    /// <summary>The packet a client sends through the tunnel for flow i (inner source = the client's own address).</summary>
    public static int WriteBoxInbound(Span<byte> buffer, int i) =>
        PacketBuilder.BuildUdp(buffer, ClientInner, InnerPort(i), Server, ServerPort, new byte[PayloadSize]);

    /// <summary>Opens <paramref name="flows"/> flows in <paramref name="engine"/>; returns, per flow, the reply the
    /// server sends (to the translated source), packed at <see cref="Stride"/>.</summary>
    public static byte[] OpenBoxFlows(BoxEngine engine, int flows, byte[]? inbound = null)
    {
        var replies = new byte[flows * Stride];
        var scratch = new byte[Stride];
        for (var i = 0; i < flows; i++)
        {
            var n = WriteBoxInbound(scratch, i);
            if (inbound is not null) scratch.AsSpan(0, n).CopyTo(inbound.AsSpan(i * Stride));
            var verdict = engine.FromTunnel(scratch.AsSpan(0, n), OuterAddress(i), OuterPort(i), out var length, out var reason);
            if (verdict != TunnelVerdict.Forward) throw new InvalidOperationException($"flow {i} not opened: {reason}");
            IpPacket.TryParse(scratch.AsSpan(0, length), out var p);
            PacketBuilder.BuildUdp(replies.AsSpan(i * Stride), Server, ServerPort, p.Source, p.SourcePort, new byte[PayloadSize]);
        }
        return replies;
    }

    public static IpAddressValue Hop(int i) => IpAddressValue.FromIPv4(0xC6336400u + 1 + (uint)(i % 250)); // 198.51.100.x
    public static IpAddressValue Destination(int i) => IpAddressValue.FromIPv4(0x0A000000u + 1 + (uint)(i / 250)); // 10.x.y.z

    /// <summary>A client with <paramref name="mappings"/> static mappings, one hop each (depth 1).</summary>
    public static (ClientEngine Engine, StandInMapping[] Mappings) NewClient(int mappings)
    {
        var table = new StandInTable(new IPNetwork(IPAddress.Parse("100.64.0.0"), 10), TimeProvider.System, TimeSpan.FromMinutes(10));
        var list = new StandInMapping[mappings];
        for (var i = 0; i < mappings; i++)
        {
            var path = new TunnelPath([new IPEndPoint(Hop(i).ToIPAddress(), 100)], Destination(i).ToIPAddress());
            list[i] = table.AddStatic(path, "m" + i, null);
        }
        return (new ClientEngine(table, 1472) { LocalPort = 40000 }, list);
    }
}
