using System.Buffers.Binary;
using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Wire;

public class StunMessageReaderTests
{
    [Theory]
    [MemberData(nameof(StunTestData.AllVectors), MemberType = typeof(StunTestData))]
    public void TryParse_EveryTruncatedPrefix_RejectedWithReason(byte[] vector)
    {
        for (int length = 0; length < vector.Length; length++)
        {
            var error = StunMessageReader.TryParse(vector.AsSpan(0, length), out _, out int offset);
            Assert.NotEqual(StunError.None, error);
            Assert.InRange(offset, 0, length);
            Assert.Equal(length < 20 ? StunError.HeaderTruncated : StunError.HeaderLengthBeyondBuffer, error);
        }
    }

    [Theory]
    [MemberData(nameof(StunTestData.AllVectors), MemberType = typeof(StunTestData))]
    public void TryParse_EveryPrefixWithLengthFixedUp_NeverThrowsAndEitherParsesOrSaysWhere(byte[] vector)
    {
        // A truncated message whose length field was patched to match: the attribute framing must catch it.
        for (int length = 20; length < vector.Length; length += 4)
        {
            var copy = vector.AsSpan(0, length).ToArray();
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(2), (ushort)(length - 20));
            var error = StunMessageReader.TryParse(copy, out _, out int offset);
            if (error != StunError.None)
            {
                Assert.True(error is StunError.AttributeValueTruncated or StunError.AttributeHeaderTruncated, error.ToString());
                Assert.InRange(offset, 20, length);
            }
        }
    }

    [Fact]
    public void TryParse_TopBitsSet_HeaderNotStun()
    {
        var m = (byte[])StunTestData.SampleIPv4Response.Clone();
        m[0] |= 0x40;
        Assert.Equal(StunError.HeaderNotStun, StunMessageReader.TryParse(m, out _));
    }

    [Fact]
    public void TryParse_LengthNotMultipleOf4_Rejected()
    {
        var m = (byte[])StunTestData.SampleIPv4Response.Clone();
        m[3] += 1;
        Assert.Equal(StunError.HeaderLengthNotMultipleOf4, StunMessageReader.TryParse(m, out _));
    }

    [Fact]
    public void TryParse_TrailingBytes_HeaderLengthShorterThanBuffer()
    {
        var m = StunTestData.SampleIPv4Response.Concat(new byte[4]).ToArray();
        Assert.Equal(StunError.HeaderLengthShorterThanBuffer, StunMessageReader.TryParse(m, out _));
    }

    [Fact]
    public void TryParse_AttributeOverrunsMessage_AttributeValueTruncatedAtItsOffset()
    {
        var m = (byte[])StunTestData.SampleIPv4Response.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(22), 200); // SOFTWARE claims 200 bytes
        Assert.Equal(StunError.AttributeValueTruncated, StunMessageReader.TryParse(m, out _, out int offset));
        Assert.Equal(20, offset);
    }

    [Fact]
    public void TryParse_AttributeAfterFingerprint_Rejected()
    {
        var buffer = new byte[100];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        w.TryWriteFingerprint();
        w.TryWriteAttribute(StunAttributeType.Software, "x"u8);
        Assert.Equal(StunError.AttributeAfterFingerprint, StunMessageReader.TryParse(w.Written, out _));
    }

    [Fact]
    public void TryParse_WrongIntegrityLengths_Rejected()
    {
        var buffer = new byte[100];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        w.TryWriteAttribute(StunAttributeType.MessageIntegrity, new byte[16]);
        Assert.Equal(StunError.MessageIntegrityLengthInvalid, StunMessageReader.TryParse(w.Written, out _));

        w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        w.TryWriteAttribute(StunAttributeType.MessageIntegritySha256, new byte[12]);
        Assert.Equal(StunError.MessageIntegritySha256LengthInvalid, StunMessageReader.TryParse(w.Written, out _));

        w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        w.TryWriteAttribute(StunAttributeType.Fingerprint, new byte[8]);
        Assert.Equal(StunError.FingerprintLengthInvalid, StunMessageReader.TryParse(w.Written, out _));
    }

    [Fact]
    public void Attributes_AfterMessageIntegrity_IgnoredExceptSha256AndFingerprint()
    {
        var buffer = new byte[200];
        var key = "key"u8.ToArray();
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        w.TryWriteAttribute(StunAttributeType.Software, "before"u8);
        w.TryWriteMessageIntegrity(key);
        w.TryWriteAttribute(StunAttributeType.Realm, "after"u8); // injected after MESSAGE-INTEGRITY: must not count
        w.TryWriteMessageIntegritySha256(key);
        w.TryWriteFingerprint();
        Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out var m));
        Assert.True(m.Has(StunAttributeType.Software));
        Assert.False(m.Has(StunAttributeType.Realm));
        Assert.True(m.VerifyMessageIntegrity(key));
        Assert.True(m.VerifyMessageIntegritySha256(key));
        Assert.True(m.IsFingerprintValid());
        var seen = new List<StunAttributeType>();
        foreach (var a in m.Attributes) seen.Add(a.Type);
        Assert.Equal([StunAttributeType.Software, StunAttributeType.MessageIntegrity, StunAttributeType.MessageIntegritySha256, StunAttributeType.Fingerprint], seen);
    }

    [Fact]
    public void VerifyMessageIntegrity_AnyByteFlipped_Fails()
    {
        var key = StunCredentials.ShortTermKey(StunTestData.ShortTermPassword);
        int integrityOffset = StunTestData.SampleIPv4Response.Length - 8 - 24;
        for (int i = 0; i < integrityOffset + 24; i++)
        {
            if (i is 2 or 3) continue; // the length field is rewritten before hashing; flipping it breaks framing
            var m = (byte[])StunTestData.SampleIPv4Response.Clone();
            m[i] ^= 0x01;
            if (StunMessageReader.TryParse(m, out var message) != StunError.None) continue;
            Assert.False(message.VerifyMessageIntegrity(key), $"byte {i}");
            Assert.False(message.IsFingerprintValid(), $"byte {i}");
        }
    }

    [Fact]
    public void TryParse_Rfc3489Request_ParsedWithLegacyTransactionId()
    {
        var legacyId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var buffer = new byte[100];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, legacyId);
        ChangeRequestAttribute.TryWrite(ref w, StunChangeRequest.ChangeIP | StunChangeRequest.ChangePort);
        Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out var m));
        Assert.True(m.IsRfc3489);
        Assert.Equal(legacyId, m.CookieAndTransactionId.ToArray());
        Assert.Equal(StunError.None, ChangeRequestAttribute.Read(m, out var flags));
        Assert.Equal(StunChangeRequest.ChangeIP | StunChangeRequest.ChangePort, flags);
    }

    [Fact]
    public void GetUnknownComprehensionRequired_ListsOnlyUnknownRequiredOnce()
    {
        var buffer = new byte[200];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        w.TryWriteAttribute((StunAttributeType)0x7F01, "a"u8);
        w.TryWriteAttribute((StunAttributeType)0xFF01, "optional"u8);
        w.TryWriteAttribute(StunAttributeType.Software, "known"u8);
        w.TryWriteAttribute((StunAttributeType)0x7F01, "again"u8);
        w.TryWriteAttribute((StunAttributeType)0x0040, "b"u8);
        Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out var m));
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[8];
        int count = m.GetUnknownComprehensionRequired(unknown);
        Assert.Equal([(StunAttributeType)0x7F01, (StunAttributeType)0x0040], unknown[..count].ToArray());
    }

    [Fact]
    public void GetUnknownComprehensionRequired_CallerSaysWhatItUnderstands()
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(StunTestData.SampleRequest, out var m));
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[8];
        int count = m.GetUnknownComprehensionRequired(unknown, t => t != StunAttributeType.Priority);
        Assert.Equal([StunAttributeType.Priority], unknown[..count].ToArray());
    }

    [Fact]
    public void MessageType_AllMethodsAndClasses_RoundTrip()
    {
        for (int method = 0; method < 0x1000; method += 7)
        foreach (var cls in Enum.GetValues<StunClass>())
        {
            var type = new StunMessageType((StunMethod)method, cls);
            Assert.Equal(type, StunMessageType.FromValue(type.Value));
            Assert.Equal(0, type.Value & 0xC000);
        }
        Assert.Equal(0x0001, StunMessageType.BindingRequest.Value);
        Assert.Equal(0x0101, StunMessageType.BindingSuccess.Value);
        Assert.Equal(0x0111, StunMessageType.BindingError.Value);
        Assert.Equal(0x0016, new StunMessageType(StunMethod.Send, StunClass.Indication).Value);
        Assert.Equal(0x0113, new StunMessageType(StunMethod.Allocate, StunClass.ErrorResponse).Value);
    }
}
