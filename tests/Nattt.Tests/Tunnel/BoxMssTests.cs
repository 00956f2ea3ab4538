using Microsoft.Extensions.Time.Testing;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Tests.Tunnel;

/// <summary>The box clamps the MSS of SYNs both ways to its largest inner packet.</summary>
public sealed class BoxMssTests
{
    private readonly FakeTimeProvider _time = new();
    private static readonly IpAddressValue CarrierNat = IpAddressValue.Parse("203.0.113.2");

    private BoxEngine NewBox(int maxInner)
    {
        PublishRule.TryParse("10.0.0.2:tcp/80", out var rule, out _);
        return new BoxEngine(new ExposurePolicy([rule!]), new BoxFlowLimits(), _time) { MaxInnerPacket = maxInner };
    }

    private static ushort Mss(byte[] p) => System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(20 + 22));

    [Fact]
    public void SynFromTunnelAndSynAckFromLan_ClampedToTunMtuMinusHeaders()
    {
        var box = NewBox(1472);
        var syn = RawPackets.Tcp("198.18.0.1", 3456, "10.0.0.2", 80, flags: 0x02, payload: 0, mss: 1460);
        Assert.Equal(TunnelVerdict.Forward, box.FromTunnel(syn, CarrierNat, 5000, out _, out _));
        Assert.Equal(1432, Mss(syn));
        Assert.True(RawPackets.ChecksumsValid(syn));

        var synAck = RawPackets.Tcp("10.0.0.2", 80, "203.0.113.2", 3456, flags: 0x12, payload: 0, mss: 1460);
        Assert.Equal(TunnelVerdict.Forward, box.FromLan(synAck, out _, out _, out _, out _));
        Assert.Equal(1432, Mss(synAck));
        Assert.True(RawPackets.ChecksumsValid(synAck));
    }

    [Fact]
    public void SmallerMss_LeftAlone_AndZeroDisablesClamping()
    {
        var box = NewBox(1472);
        var syn = RawPackets.Tcp("198.18.0.1", 3456, "10.0.0.2", 80, flags: 0x02, payload: 0, mss: 1304);
        box.FromTunnel(syn, CarrierNat, 5000, out _, out _);
        Assert.Equal(1304, Mss(syn));

        var unclamped = NewBox(0);
        var big = RawPackets.Tcp("198.18.0.1", 3457, "10.0.0.2", 80, flags: 0x02, payload: 0, mss: 1460);
        unclamped.FromTunnel(big, CarrierNat, 5000, out _, out _);
        Assert.Equal(1460, Mss(big));
    }
}
