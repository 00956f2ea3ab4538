using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Nattt.Packets;

namespace Nattt.Bench.Packets;

/// <summary>
/// The packet layer on the data path: parse, NAT rewrite (source address and port, as the box does per packet), and
/// the checksum primitive. Each incremental path runs beside its "peer", the straightforward way: full recomputation of
/// the IPv4 header and TCP checksums after the rewrite, and a word-by-word checksum loop. Packets are 1500-byte TCP
/// segments (a full Ethernet MTU), the case where recomputation costs most.
/// </summary>
[MemoryDiagnoser]
public class PacketBenchmarks
{
    private static readonly IpAddressValue ClientV4 = IpAddressValue.Parse("10.0.0.2");
    private static readonly IpAddressValue ServerV4 = IpAddressValue.Parse("198.51.100.20");
    private static readonly IpAddressValue PublicV4 = IpAddressValue.Parse("203.0.113.50");
    private static readonly IpAddressValue ClientV6 = IpAddressValue.Parse("fd00::2");
    private static readonly IpAddressValue ServerV6 = IpAddressValue.Parse("2001:db8:1::20");
    private static readonly IpAddressValue PublicV6 = IpAddressValue.Parse("2001:db8:50::5");

    private readonly byte[] _tcpV4 = new byte[1500];
    private readonly byte[] _tcpV6 = new byte[1500];
    private ushort _port = 1024;

    [GlobalSetup]
    public void Setup()
    {
        var payload = new byte[1500 - 40];
        new Random(1).NextBytes(payload);
        PacketBuilder.BuildTcp(_tcpV4, ClientV4, 40000, ServerV4, 443, TcpFlags.Ack, 1, 2, payload);
        PacketBuilder.BuildTcp(_tcpV6, ClientV6, 40000, ServerV6, 443, TcpFlags.Ack, 1, 2, payload.AsSpan(20));
    }

    [Benchmark]
    public int ParseIPv4Tcp()
    {
        IpPacket.TryParse(_tcpV4, out var packet);
        return packet.SourcePort + packet.DestinationPort;
    }

    [Benchmark]
    public int ParseIPv6Tcp()
    {
        IpPacket.TryParse(_tcpV6, out var packet);
        return packet.SourcePort + packet.DestinationPort;
    }

    [Benchmark]
    public int ParseAndTuple()
    {
        IpPacket.TryParse(_tcpV4, out var packet);
        return packet.Tuple.GetHashCode();
    }

    [Benchmark]
    public int RewriteSourceIncrementalIPv4()
    {
        IpPacket.TryParse(_tcpV4, out var packet);
        packet.SetSource(PublicV4);
        packet.SetSourcePort(_port++);
        return packet.Bytes.Length;
    }

    [Benchmark]
    public int RewriteSourceIncrementalIPv6()
    {
        IpPacket.TryParse(_tcpV6, out var packet);
        packet.SetSource(PublicV6);
        packet.SetSourcePort(_port++);
        return packet.Bytes.Length;
    }

    /// <summary>The peer: the same rewrite, then both checksums recomputed over the whole packet.</summary>
    [Benchmark]
    public int RewriteSourceFullRecomputeIPv4()
    {
        IpPacket.TryParse(_tcpV4, out var packet);
        var bytes = packet.Bytes;
        PublicV4.WriteTo(bytes[12..]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[20..], _port++);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[10..], InternetChecksum.Compute(bytes[..20]));
        var tcp = bytes[20..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..],
            InternetChecksum.Compute(tcp, InternetChecksum.PseudoHeaderSum(PublicV4, ServerV4, IpProtocol.Tcp, tcp.Length)));
        return bytes.Length;
    }

    [Benchmark]
    public uint Checksum1500()
    {
        return InternetChecksum.Sum(_tcpV4);
    }

    /// <summary>The peer: one big-endian 16-bit word per iteration, as RFC 1071's reference C code.</summary>
    [Benchmark]
    public uint Checksum1500WordByWord()
    {
        var data = _tcpV4;
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return sum;
    }
}
