using System.Net;
using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Wire;

public class StunMessageWriterTests
{
    private static readonly byte[] Tid = Enumerable.Range(0, 12).Select(i => (byte)(i * 17)).ToArray();

    [Fact]
    public void TryWrite_DestinationTooSmall_OverflowsAndStaysOverflowed()
    {
        var buffer = new byte[30];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Tid);
        Assert.True(w.TryWriteAttribute(StunAttributeType.Software, "ab"u8)); // 20 + 8 = 28
        Assert.False(w.TryWriteAttribute(StunAttributeType.Software, "c"u8));
        Assert.True(w.HasOverflowed);
        Assert.False(w.TryWriteFingerprint());
        Assert.Equal(28, w.BytesWritten);
    }

    [Fact]
    public void Constructor_DestinationShorterThanHeader_Overflowed()
    {
        var w = new StunMessageWriter(new byte[10], StunMessageType.BindingRequest, Tid);
        Assert.True(w.HasOverflowed);
        Assert.Equal(0, w.BytesWritten);
    }

    [Fact]
    public void Written_AfterEveryAttribute_IsAValidMessage()
    {
        var buffer = new byte[300];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, Tid);
        for (int i = 0; i < 9; i++)
        {
            w.TryWriteAttribute(StunAttributeType.Software, new byte[i]);
            Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out _));
            Assert.Equal(0, w.BytesWritten % 4);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    [InlineData(32)]
    public void MessageIntegritySha256_Truncated_Verifies(int length)
    {
        var buffer = new byte[200];
        var key = StunCredentials.LongTermKey("user", "realm", "pass", StunPasswordAlgorithm.Sha256);
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Tid);
        UsernameAttribute.TryWrite(ref w, "user");
        w.TryWriteMessageIntegritySha256(key, length);
        w.TryWriteFingerprint();
        Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out var m));
        Assert.True(m.VerifyMessageIntegritySha256(key));
        Assert.False(m.VerifyMessageIntegritySha256(StunCredentials.LongTermKey("user", "realm", "other", StunPasswordAlgorithm.Sha256)));
        Assert.False(m.VerifyMessageIntegrity(key));
    }

    [Fact]
    public void LegacyTransactionId_WrittenWithoutCookie_XorAddressRefused()
    {
        var buffer = new byte[100];
        var id = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
        var w = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, id);
        Assert.False(w.HasMagicCookie);
        Assert.True(MappedAddressAttribute.TryWrite(ref w, new IPEndPoint(IPAddress.Parse("198.51.100.7"), 4242)));
        var writer = w;
        Assert.Throws<InvalidOperationException>(() =>
        {
            var copy = new StunMessageWriter(new byte[100], StunMessageType.BindingSuccess, id);
            XorMappedAddressAttribute.TryWrite(ref copy, new IPEndPoint(IPAddress.Loopback, 1));
        });
        Assert.Equal(StunError.None, StunMessageReader.TryParse(writer.Written, out var m));
        Assert.True(m.IsRfc3489);
        Assert.Equal(StunError.None, MappedAddressAttribute.Read(m, out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 4242), mapped);
    }

    [Fact]
    public void Constructor_BadTransactionIdLength_Throws() =>
        Assert.Throws<ArgumentException>(() => new StunMessageWriter(new byte[100], StunMessageType.BindingRequest, new byte[11]));
}
