using System.Net;
using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Wire;

/// <summary>RFC 5769 test vectors: parsed, checked, and written again byte for byte.</summary>
public class Rfc5769VectorTests
{
    private static readonly byte[] ShortTermKey = StunCredentials.ShortTermKey(StunTestData.ShortTermPassword);

    [Fact]
    public void SampleRequest_Parses_AttributesIntegrityAndFingerprintCheck()
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(StunTestData.SampleRequest, out var m));
        Assert.Equal(StunMessageType.BindingRequest, m.Type);
        Assert.False(m.IsRfc3489);
        Assert.Equal(Convert.FromHexString("b7e7a701bc34d686fa87dfae"), m.TransactionId.ToArray());
        Assert.Equal(StunError.None, SoftwareAttribute.Read(m, out var software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
        Assert.Equal(StunError.None, UsernameAttribute.Read(m, out var username));
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(username));
        Assert.Equal(StunError.None, StunUInt32.Read(m, StunAttributeType.Priority, out uint priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(m.VerifyMessageIntegrity(ShortTermKey));
        Assert.False(m.VerifyMessageIntegrity("wrong"u8));
        Assert.True(m.IsFingerprintValid());
    }

    [Fact]
    public void SampleIPv4Response_Parses_XorMappedAddressIs192_0_2_1()
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(StunTestData.SampleIPv4Response, out var m));
        Assert.Equal(StunMessageType.BindingSuccess, m.Type);
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(m, out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), mapped);
        Assert.True(m.VerifyMessageIntegrity(ShortTermKey));
        Assert.True(m.IsFingerprintValid());
    }

    [Fact]
    public void SampleIPv6Response_Parses_XorMappedAddressIs2001db8()
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(StunTestData.SampleIPv6Response, out var m));
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(m, out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), mapped);
        Assert.True(m.VerifyMessageIntegrity(ShortTermKey));
        Assert.True(m.IsFingerprintValid());
    }

    [Fact]
    public void SampleLongTermRequest_Parses_LongTermKeyVerifies()
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(StunTestData.SampleLongTermRequest, out var m));
        Assert.Equal(StunError.None, UsernameAttribute.Read(m, out var username));
        Assert.Equal(StunError.None, RealmAttribute.Read(m, out var realm));
        Assert.Equal(StunError.None, NonceAttribute.Read(m, out var nonce));
        Assert.Equal("マトリックス", Encoding.UTF8.GetString(username));
        Assert.Equal("example.org", Encoding.UTF8.GetString(realm));
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", Encoding.UTF8.GetString(nonce));
        Assert.False(m.HasFingerprint);
        Assert.True(m.VerifyMessageIntegrity(StunCredentials.LongTermKey(username, realm, "TheMatrIX")));
        Assert.False(m.VerifyMessageIntegrity(StunCredentials.LongTermKey(username, realm, "thematrix")));
    }

    [Fact]
    public void SampleRequest_WrittenAgain_ByteForByte()
    {
        var buffer = new byte[200];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Convert.FromHexString("b7e7a701bc34d686fa87dfae"));
        Assert.True(SoftwareAttribute.TryWrite(ref w, "STUN test client"));
        Assert.True(StunUInt32.TryWrite(ref w, StunAttributeType.Priority, 0x6e0001ff));
        Assert.True(w.TryWriteAttribute(StunAttributeType.IceControlled, Convert.FromHexString("932ff9b151263b36")));
        Assert.True(UsernameAttribute.TryWrite(ref w, "evtj:h6vY"));
        buffer.AsSpan(w.BytesWritten - 3, 3).Fill(0x20); // the RFC pads with spaces; MESSAGE-INTEGRITY covers them
        Assert.True(MessageIntegrityAttribute.TryWrite(ref w, ShortTermKey));
        Assert.True(FingerprintAttribute.TryWrite(ref w));
        Assert.False(w.HasOverflowed);
        Assert.Equal(StunTestData.SampleRequest, w.Written.ToArray());
    }

    [Fact]
    public void SampleIPv4Response_WrittenAgain_ByteForByte()
    {
        var buffer = new byte[200];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, Convert.FromHexString("b7e7a701bc34d686fa87dfae"));
        Assert.True(SoftwareAttribute.TryWrite(ref w, "test vector"));
        buffer[w.BytesWritten - 1] = 0x20;
        Assert.True(XorMappedAddressAttribute.TryWrite(ref w, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853)));
        Assert.True(MessageIntegrityAttribute.TryWrite(ref w, ShortTermKey));
        Assert.True(FingerprintAttribute.TryWrite(ref w));
        Assert.Equal(StunTestData.SampleIPv4Response, w.Written.ToArray());
    }

    [Fact]
    public void SampleIPv6Response_WrittenAgain_ByteForByte()
    {
        var buffer = new byte[200];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, Convert.FromHexString("b7e7a701bc34d686fa87dfae"));
        Assert.True(SoftwareAttribute.TryWrite(ref w, "test vector"));
        buffer[w.BytesWritten - 1] = 0x20;
        Assert.True(XorMappedAddressAttribute.TryWrite(ref w, new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853)));
        Assert.True(MessageIntegrityAttribute.TryWrite(ref w, ShortTermKey));
        Assert.True(FingerprintAttribute.TryWrite(ref w));
        Assert.Equal(StunTestData.SampleIPv6Response, w.Written.ToArray());
    }

    [Fact]
    public void SampleLongTermRequest_WrittenAgain_ByteForByte()
    {
        var buffer = new byte[200];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Convert.FromHexString("78ad3433c6ad72c029da412e"));
        Assert.True(UsernameAttribute.TryWrite(ref w, "マトリックス"));
        Assert.True(NonceAttribute.TryWrite(ref w, "f//499k954d6OL34oL9FSTvy64sA"));
        Assert.True(RealmAttribute.TryWrite(ref w, "example.org"));
        Assert.True(MessageIntegrityAttribute.TryWrite(ref w, StunCredentials.LongTermKey("マトリックス", "example.org", "TheMatrIX")));
        Assert.Equal(StunTestData.SampleLongTermRequest, w.Written.ToArray());
    }

    [Fact]
    public void UserHash_Rfc8489AppendixB_MatchesPublishedValue()
    {
        // RFC 8489 Appendix B: USERHASH of "マトリックス" in realm "example.org".
        Assert.Equal(
            Convert.FromHexString("4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704"),
            StunCredentials.UserHash("マトリックス", "example.org"));
    }
}
