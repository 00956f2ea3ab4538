using CsCheck;
using Nattt.Packets;

namespace Nattt.Tests.Packets;

/// <summary>Random packets: build -> parse gives back the fields; rewrite keeps checksums equal to a full
/// recomputation; rewriting back restores the original bytes exactly; random and mutated bytes never throw.</summary>
public class PacketPropertyTests
{
    internal enum Kind { Udp, Tcp, EchoRequest, EchoReply }

    internal sealed record Spec(Kind Kind, IpAddressValue Source, ushort SourcePort, IpAddressValue Destination,
        ushort DestinationPort, byte[] Payload, uint Sequence, byte HopLimit)
    {
        public byte[] Build()
        {
            var buffer = new byte[2048];
            var length = Kind switch
            {
                Kind.Udp => PacketBuilder.BuildUdp(buffer, Source, SourcePort, Destination, DestinationPort, Payload, HopLimit),
                Kind.Tcp => PacketBuilder.BuildTcp(buffer, Source, SourcePort, Destination, DestinationPort,
                    TcpFlags.Ack, Sequence, ~Sequence, Payload, hopLimit: HopLimit),
                _ => PacketBuilder.BuildIcmpEcho(buffer, Source, Destination, SourcePort, (ushort)Sequence,
                    Kind == Kind.EchoReply, Payload, HopLimit),
            };
            return buffer.AsSpan(0, length).ToArray();
        }

        public IpProtocol Protocol => Kind switch
        {
            Kind.Udp => IpProtocol.Udp,
            Kind.Tcp => IpProtocol.Tcp,
            _ => Source.IsIPv4 ? IpProtocol.Icmp : IpProtocol.IcmpV6,
        };

        public override string ToString() =>
            $"{Kind} {Source}:{SourcePort} -> {Destination}:{DestinationPort} payload {Convert.ToHexString(Payload)} seq {Sequence} hl {HopLimit}";
    }

    internal static readonly Gen<IpAddressValue> V4 = Gen.UInt.Select(IpAddressValue.FromIPv4);
    internal static readonly Gen<IpAddressValue> V6 = Gen.Select(Gen.ULong, Gen.ULong, IpAddressValue.FromIPv6);

    internal static readonly Gen<Spec> Specs =
        from v6 in Gen.Bool
        from kind in Gen.Enum<Kind>()
        from source in v6 ? V6 : V4
        from destination in v6 ? V6 : V4
        from sourcePort in Gen.UShort
        from destinationPort in Gen.UShort
        from payload in Gen.Byte.Array[0, 300]
        from sequence in Gen.UInt
        from hopLimit in Gen.Byte
        select new Spec(kind, source, sourcePort, destination, kind is Kind.Udp or Kind.Tcp ? destinationPort : sourcePort,
            payload, sequence, hopLimit);

    [Fact]
    public void BuildThenParse_RandomPackets_FieldsEqualAndChecksumsValid()
    {
        Specs.Sample(spec =>
        {
            var bytes = spec.Build();
            Assert.True(PacketChecksums.AreValid(bytes));
            Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out var packet));
            Assert.Equal(new FlowTuple(spec.Protocol, spec.Source, spec.SourcePort, spec.Destination, spec.DestinationPort),
                packet.Tuple);
            Assert.Equal(spec.HopLimit, packet.HopLimit);
            Assert.True(packet.Bytes[^spec.Payload.Length..].SequenceEqual(spec.Payload));
        }, iter: 3000);
    }

    [Fact]
    public void RewriteThenRewriteBack_RandomPackets_ValidThenIdentical()
    {
        Gen.Select(Specs, Gen.ULong, Gen.ULong, Gen.UShort, Gen.UShort).Sample((spec, high, low, port1, port2) =>
        {
            var original = spec.Build();
            var bytes = original.ToArray();
            IpPacket.TryParse(bytes, out var packet);
            var newSource = spec.Source.IsIPv4 ? IpAddressValue.FromIPv4((uint)low) : IpAddressValue.FromIPv6(high, low);
            var newDestination = spec.Source.IsIPv4 ? IpAddressValue.FromIPv4((uint)high) : IpAddressValue.FromIPv6(low, high);

            packet.SetSource(newSource);
            packet.SetSourcePort(port1);
            packet.SetDestination(newDestination);
            packet.SetDestinationPort(port2);
            IpPacketRewriteTests.AssertChecksumsMatchFullRecomputation(bytes);
            Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out var reparsed));
            Assert.Equal(newSource, reparsed.Source);
            Assert.Equal(newDestination, reparsed.Destination);
            Assert.Equal(port2, reparsed.DestinationPort);

            packet.SetSource(spec.Source);
            packet.SetDestination(spec.Destination);
            packet.SetSourcePort(spec.SourcePort);
            packet.SetDestinationPort(spec.DestinationPort);
            Assert.Equal(Convert.ToHexString(original), Convert.ToHexString(bytes));
        }, iter: 3000);
    }

    [Fact]
    public void EmbeddedRewrite_RandomErrors_OuterValidAndEqualsFreshQuote()
    {
        Gen.Select(Specs, Gen.ULong, Gen.UShort, Gen.Int[0, 64]).Sample((spec, low, port, extraQuoted) =>
        {
            var original = spec.Build();
            var minimum = (spec.Source.IsIPv4 ? 20 : 40) + 8;
            var quote = Math.Min(original.Length, minimum + extraQuoted);
            // A quote ending inside the TCP checksum leaves its one quoted byte stale (documented); real quotes never do.
            if (spec.Kind == Kind.Tcp && quote == minimum + 9) quote++;
            var newAddress = spec.Source.IsIPv4 ? IpAddressValue.FromIPv4((uint)low) : IpAddressValue.FromIPv6(low, ~low);

            var error = SamplePackets.IcmpError(original, quote);
            IpPacket.TryParse(error, out var outer);
            Assert.Equal(PacketDropReason.None, outer.TryGetEmbedded(out var embedded));
            embedded.SetDestination(newAddress);
            embedded.SetDestinationPort(port);
            IpPacketRewriteTests.AssertChecksumsMatchFullRecomputation(error);

            var rewritten = original.ToArray();
            IpPacket.TryParse(rewritten, out var top);
            top.SetDestination(newAddress);
            top.SetDestinationPort(port);
            Assert.Equal(Convert.ToHexString(SamplePackets.IcmpError(rewritten, quote)), Convert.ToHexString(error));
        }, iter: 2000);
    }

    [Fact]
    public void TryParse_EveryPrefixOfRandomPackets_Truncated()
    {
        Specs.Sample(spec =>
        {
            var bytes = spec.Build();
            for (var length = 0; length < bytes.Length; length++)
                if (IpPacket.TryParse(bytes.AsSpan(0, length), out _) != PacketDropReason.Truncated) return false;
            return true;
        }, iter: 300);
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        Gen.Select(Gen.Byte.Array[0, 200], Gen.Int[0, 2]).Sample((bytes, versionHint) =>
        {
            // Steer two thirds of the inputs past the version check.
            if (bytes.Length > 0 && versionHint > 0) bytes[0] = (byte)((versionHint == 1 ? 0x40 : 0x60) | bytes[0] & 0x0F);
            Exercise(bytes);
        }, iter: 20000);
    }

    [Fact]
    public void TryParse_MutatedValidPackets_NeverThrows()
    {
        var samples = SamplePackets.All().Select(p => p.Packet).ToArray();
        Gen.Select(Gen.Int[0, samples.Length - 1], Gen.Select(Gen.Int[0, 2047], Gen.Byte).Array[1, 6], Gen.Bool)
            .Sample((index, edits, fixChecksums) =>
            {
                var bytes = samples[index].ToArray();
                foreach (var (position, value) in edits) bytes[position % bytes.Length] = value;
                if (fixChecksums && bytes[0] >> 4 == 4 && (bytes[0] & 15) >= 5 && (bytes[0] & 15) * 4 <= bytes.Length) SamplePackets.FixIPv4HeaderChecksum(bytes);
                Exercise(bytes);
            }, iter: 20000);
    }

    // Parses and, if accepted, reads every field and runs every mutator: none may throw.
    private static void Exercise(byte[] bytes)
    {
        if (IpPacket.TryParse(bytes, out var packet) != PacketDropReason.None) return;
        ExercisePacket(packet);
        if (packet.TryGetEmbedded(out var embedded) == PacketDropReason.None) ExercisePacket(embedded);
    }

    private static void ExercisePacket(IpPacket packet)
    {
        _ = packet.Tuple;
        _ = packet.IsIcmpError;
        _ = packet.IcmpType + packet.IcmpCode + (int)packet.TcpFlags;
        packet.TryGetIcmpMtu(out _);
        packet.TrySetIcmpMtu(1280);
        packet.SetSource(packet.IsIPv4 ? SamplePackets.RouterV4 : SamplePackets.RouterV6);
        packet.SetDestination(packet.IsIPv4 ? SamplePackets.ClientV4 : SamplePackets.ClientV6);
        packet.SetSourcePort(1);
        packet.SetDestinationPort(2);
        packet.TryClampTcpMss(500);
        packet.DecrementHopLimit();
    }
}
