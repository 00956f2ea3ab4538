using System.Net;
using CsCheck;
using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Wire;

/// <summary>Property tests: random and mutated input never throws; everything that parses can be fully read.</summary>
public class StunFuzzTests
{
    /// <summary>Reads everything a server or client could read from a message; must never throw.</summary>
    private static void ReadEverything(ReadOnlySpan<byte> input)
    {
        StunFraming.TryGetFrameLength(input, out _);
        ChannelDataMessage.TryRead(input, out _, out _);
        if (StunMessageReader.TryParse(input, out var m, out int offset) != StunError.None)
        {
            Assert.InRange(offset, 0, input.Length);
            return;
        }
        Span<StunPasswordAlgorithm> algorithms = stackalloc StunPasswordAlgorithm[4];
        foreach (var a in m.Attributes)
        {
            Assert.InRange(a.Offset + 4 + a.Value.Length, 0, input.Length);
            StunAddress.Read(a.Value, out _);
            StunAddress.ReadXor(a.Value, m.CookieAndTransactionId, out _);
            ErrorCodeAttribute.Read(a.Value, out _, out _);
            PasswordAlgorithmsAttribute.Read(a.Value, algorithms, out _);
            StunNonce.TryReadSecurityFeatures(a.Value, out _);
        }
        m.VerifyMessageIntegrity("k"u8);
        m.VerifyMessageIntegritySha256("k"u8);
        m.IsFingerprintValid();
        m.GetUnknownComprehensionRequired(stackalloc StunAttributeType[4]);
        XorMappedAddressAttribute.Read(m, out _);
        UsernameAttribute.Read(m, out _);
        UnknownAttributesAttribute.Read(m, stackalloc StunAttributeType[4], out _);
        PasswordAlgorithmAttribute.Read(m, out _, out _);
        ChannelNumberAttribute.Read(m, out _);
        AddressErrorCodeAttribute.Read(m, out _, out _, out _);
        IcmpAttribute.Read(m, out _, out _, out _);
        EvenPortAttribute.Read(m, out _);
        ChangeRequestAttribute.Read(m, out _);
        ResponsePortAttribute.Read(m, out _);
    }

    [Fact]
    public void RandomBytes_NeverThrow() =>
        Gen.Byte.Array[0, 200].Sample(bytes => ReadEverything(bytes), iter: 20_000);

    [Fact]
    public void RandomAttributeSoupWithValidHeader_NeverThrows() =>
        Gen.Select(Gen.Byte.Array[0, 160], Gen.Bool).Sample((body, cookie) =>
        {
            int length = body.Length & ~3;
            var message = new byte[20 + length];
            message[1] = 0x01;
            message[3] = (byte)length;
            if (cookie) { message[4] = 0x21; message[5] = 0x12; message[6] = 0xa4; message[7] = 0x42; }
            body.AsSpan(0, length).CopyTo(message.AsSpan(20));
            ReadEverything(message);
        }, iter: 20_000);

    [Fact]
    public void MutatedVectors_NeverThrow() =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Byte, Gen.Int[0, 200]).Sample((which, position, value, cut) =>
        {
            var vector = (byte[])new[] { StunTestData.SampleRequest, StunTestData.SampleIPv4Response,
                StunTestData.SampleIPv6Response, StunTestData.SampleLongTermRequest }[which].Clone();
            vector[position % vector.Length] = value;
            ReadEverything(vector);
            ReadEverything(vector.AsSpan(0, Math.Min(cut, vector.Length)));
        }, iter: 20_000);

    [Fact]
    public void WrittenMessages_RoundTripAttributeByAttribute() =>
        Gen.Select(Gen.UShort[0, 0x7FFF].Array[0, 8], Gen.Byte.Array[0, 40], Gen.Bool, Gen.Int[0, 65535]).Sample((types, value, sign, port) =>
        {
            var buffer = new byte[1024];
            var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
            var endPoint = new IPEndPoint(IPAddress.Parse("203.0.113.9"), port);
            XorMappedAddressAttribute.TryWrite(ref w, endPoint);
            foreach (var t in types)
            {
                if ((StunAttributeType)t is StunAttributeType.MessageIntegrity or StunAttributeType.MessageIntegritySha256 or StunAttributeType.Fingerprint) continue;
                Assert.True(w.TryWriteAttribute((StunAttributeType)t, value));
            }
            if (sign) w.TryWriteMessageIntegrity(value);
            w.TryWriteFingerprint();
            Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out var m));
            Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(m, out var got));
            Assert.Equal(endPoint, got);
            Assert.Equal(sign, m.VerifyMessageIntegrity(value));
            Assert.True(m.IsFingerprintValid());
        }, iter: 5_000);
}
