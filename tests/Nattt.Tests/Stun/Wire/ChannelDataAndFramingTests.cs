using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Wire;

public class ChannelDataAndFramingTests
{
    [Theory]
    [InlineData(false, 9)]
    [InlineData(true, 12)]
    public void ChannelData_RoundTrip(bool pad, int expectedLength)
    {
        var buffer = new byte[64];
        int n = ChannelDataMessage.TryWrite(buffer, 0x4001, "hello"u8, pad);
        Assert.Equal(expectedLength, n);
        Assert.Equal(StunError.None, ChannelDataMessage.TryRead(buffer.AsSpan(0, n), out var channel, out var data));
        Assert.Equal(0x4001, channel);
        Assert.Equal("hello"u8.ToArray(), data.ToArray());
        Assert.Equal(StunPacketKind.ChannelData, StunFraming.Classify(buffer));
        Assert.Equal(StunError.None, StunFraming.TryGetFrameLength(buffer.AsSpan(0, 4), out int frame));
        Assert.Equal(12, frame);
    }

    [Fact]
    public void ChannelData_EveryTruncatedPrefix_Rejected()
    {
        var buffer = new byte[64];
        int n = ChannelDataMessage.TryWrite(buffer, 0x4FFF, new byte[17], padForStream: true);
        for (int i = 0; i < 4 + 17; i++)
            Assert.Equal(i < 4 ? StunError.ChannelDataHeaderTruncated : StunError.ChannelDataLengthBeyondBuffer,
                ChannelDataMessage.TryRead(buffer.AsSpan(0, i), out _, out _));
        Assert.Equal(StunError.None, ChannelDataMessage.TryRead(buffer.AsSpan(0, n), out _, out _));
    }

    [Fact]
    public void ChannelData_ReservedChannel_Rejected() =>
        Assert.Equal(StunError.ChannelNumberOutOfRange, ChannelDataMessage.TryRead([0x50, 0, 0, 0], out _, out _));

    [Fact]
    public void ChannelData_WriteHeaderInPlace_NoCopy()
    {
        var buffer = new byte[16];
        "abc"u8.CopyTo(buffer.AsSpan(4));
        Assert.Equal(8, ChannelDataMessage.WriteHeader(buffer, 0x4000, 3, padForStream: true));
        Assert.Equal(Convert.FromHexString("4000000361626300"), buffer[..8]);
        Assert.Equal(0, ChannelDataMessage.WriteHeader(buffer.AsSpan(0, 6), 0x4000, 3, padForStream: false));
    }

    [Fact]
    public void FrameLength_StunAndGarbage()
    {
        Assert.Equal(StunError.None, StunFraming.TryGetFrameLength(StunTestData.SampleRequest, out int n));
        Assert.Equal(StunTestData.SampleRequest.Length, n);
        Assert.Equal(StunError.None, StunFraming.TryGetFrameLength(StunTestData.SampleRequest.AsSpan(0, 3), out n));
        Assert.Equal(0, n);
        Assert.Equal(StunError.FrameNotStunOrChannelData, StunFraming.TryGetFrameLength([0x16, 3, 1, 0], out _));
        Assert.Equal(StunError.HeaderLengthNotMultipleOf4, StunFraming.TryGetFrameLength([0, 1, 0, 3], out _));
    }

    [Fact]
    public void Nonce_SecurityFeatures_RoundTrip()
    {
        var buffer = new byte[20];
        foreach (var features in new[] { StunSecurityFeatures.None, StunSecurityFeatures.PasswordAlgorithms,
                     StunSecurityFeatures.UsernameAnonymity, StunSecurityFeatures.PasswordAlgorithms | StunSecurityFeatures.UsernameAnonymity })
        {
            Assert.Equal(13, StunNonce.WritePrefix(buffer, features));
            Assert.True(StunNonce.TryReadSecurityFeatures(buffer, out var got));
            Assert.Equal(features, got);
        }
        // RFC 8489 Appendix B's nonce: username anonymity (bit 1).
        Assert.True(StunNonce.TryReadSecurityFeatures("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA"u8, out var appendixB));
        Assert.Equal(StunSecurityFeatures.UsernameAnonymity, appendixB);
        Assert.False(StunNonce.TryReadSecurityFeatures("f//499k954d6OL34oL9FSTvy64sA"u8, out _));
        Assert.False(StunNonce.TryReadSecurityFeatures("obMatJos2A!"u8, out _));
    }

    [Fact]
    public void Credentials_PrepareMapsNonAsciiSpaces_AlgorithmsDiffer()
    {
        Assert.Equal("a b", StunCredentials.Prepare("a\u00A0b"));
        Assert.Equal(StunCredentials.LongTermKey("u", "r", "a b"), StunCredentials.LongTermKey("u", "r", "a\u2003b"));
        Assert.NotEqual(StunCredentials.LongTermKey("u", "r", "p"), StunCredentials.LongTermKey("u", "r", "p", StunPasswordAlgorithm.Sha256));
        Assert.Equal(32, StunCredentials.LongTermKey("u", "r", "p", StunPasswordAlgorithm.Sha256).Length);
    }
}
