using System.Net;
using CsCheck;
using Nattt.Dns.Wire;

namespace Nattt.Tests.Dns;

public sealed class DnsCodecTests
{
    private static byte[] Name(string text) => DnsName.ParseText(text);

    private static byte[] SampleResponse()
    {
        var buffer = new byte[512];
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        Assert.True(w.TryWriteQuestion(Name("www.example.test"), (ushort)DnsType.A, 1));
        Assert.True(w.TryWriteNameRecord(1, Name("www.example.test"), DnsType.CNAME, 60, Name("b.example.test")));
        Assert.True(w.TryWriteAddressRecord(1, Name("b.example.test"), IPAddress.Parse("192.0.2.7"), 30));
        Assert.True(w.TryWriteRecord(2, Name("example.test"), (ushort)DnsType.SOA, 1, 300,
            SoaRdata(Name("ns.example.test"), Name("hostmaster.example.test"), 42)));
        Assert.True(w.TryWriteRecord(3, Name("b.example.test"), 65324, 1, 300, Convert.FromHexString("c63364071f90ac140014")));
        Assert.True(w.TryWriteOpt(1232, dnssecOk: true));
        var length = w.Finish(0xBEEF, DnsHeader.QrBit | DnsHeader.RdBit | DnsHeader.RaBit);
        return buffer[..length];
    }

    private static byte[] SoaRdata(byte[] mname, byte[] rname, uint minimum)
    {
        var rdata = new byte[mname.Length + rname.Length + 20];
        mname.CopyTo(rdata, 0);
        rname.CopyTo(rdata, mname.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rdata.AsSpan(rdata.Length - 4), minimum);
        return rdata;
    }

    [Fact]
    public void WriteThenRead_Response_GivesEverySectionBack()
    {
        var message = SampleResponse();
        var r = new DnsMessageReader(message);
        Assert.Equal(0xBEEF, r.Header.Id);
        Assert.Equal((1, 2, 1, 2), (r.Header.QuestionCount, r.Header.AnswerCount, r.Header.AuthorityCount, r.Header.AdditionalCount));
        Assert.True(r.TryReadQuestion(out var q));
        Span<byte> name = stackalloc byte[255];
        Assert.True(DnsName.TryRead(message, q.NameOffset, name, out var n, out _, out _));
        Assert.Equal("www.example.test.", DnsName.ToText(name[..n]));
        Assert.True(r.TryReadRecord(out var cname));
        Assert.Equal((ushort)DnsType.CNAME, cname.Type);
        Assert.True(DnsRdata.TryReadName(message, cname, name, out n, out _));
        Assert.Equal("b.example.test.", DnsName.ToText(name[..n]));
        Assert.True(r.TryReadRecord(out var a));
        Assert.True(DnsRdata.TryReadA(message, a, out var address, out _));
        Assert.Equal(IPAddress.Parse("192.0.2.7"), address);
        Assert.Equal(30u, a.Ttl);
        Assert.True(r.TryReadRecord(out var soa));
        Assert.Equal(2, r.NextSection == 2 ? 2 : 3 - 1); // the SOA was the authority record
        Assert.True(DnsRdata.TryReadSoaMinimum(message, soa, out var minimum, out _));
        Assert.Equal(42u, minimum);
        Assert.True(r.TryReadRecord(out var nat));
        Assert.Equal(65324, nat.Type);
        Assert.Equal("c63364071f90ac140014", Convert.ToHexString(nat.Rdata(message)).ToLowerInvariant());
        Assert.True(r.TryReadRecord(out var opt));
        Assert.Equal((ushort)DnsType.OPT, opt.Type);
        Assert.Equal(1232, opt.Class);
        Assert.False(r.TryReadRecord(out _));
        Assert.True(r.IsValid);
        Assert.Equal(message.Length, r.Position);
    }

    [Fact]
    public void TryWriteName_RepeatedSuffix_IsCompressedToPointer()
    {
        var message = SampleResponse();
        // www.example.test (18 octets) is written once; the answer's owner is a 2-octet pointer to offset 12.
        Assert.Equal(0xC0, message[12 + 18 + 4]);
        Assert.Equal(12, message[12 + 18 + 5]);
        var uncompressedSize = 12 + 22 + (18 + 10 + 16) + (16 + 10 + 4) + (14 + 10 + 17 + 25 + 20) + (16 + 10 + 10) + 11;
        Assert.True(message.Length < uncompressedSize - 60, $"{message.Length} vs {uncompressedSize}");
    }

    [Fact]
    public void TryRead_PointerToItself_IsRefused()
    {
        byte[] message = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1];
        var r = new DnsMessageReader(message);
        Assert.False(r.TryReadQuestion(out _));
        Assert.Equal(DnsDropReason.ForwardPointer, r.Error);
    }

    [Fact]
    public void TryRead_ForwardPointer_IsRefused()
    {
        byte[] message = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 1, (byte)'a', 0, 0, 1, 0, 1];
        var r = new DnsMessageReader(message);
        Assert.False(r.TryReadQuestion(out _));
        Assert.Equal(DnsDropReason.ForwardPointer, r.Error);
    }

    [Fact]
    public void TryRead_BackwardPointerLoop_IsRefused()
    {
        // offset 12: label "a" then pointer to 12 - a loop through a backward pointer is still caught, because the
        // pointer at 14 points to 12 < 14, then reading 12 again reaches the pointer at 14 ... which is not < 14.
        byte[] message = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1];
        var r = new DnsMessageReader(message);
        Assert.False(r.TryReadQuestion(out _));
        Assert.NotEqual(DnsDropReason.None, r.Error);
    }

    [Fact]
    public void TryRead_NameOver255Octets_IsRefused()
    {
        var message = new List<byte> { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
        for (var i = 0; i < 5; i++) { message.Add(63); message.AddRange(Enumerable.Repeat((byte)'x', 63)); }
        message.AddRange([0, 0, 1, 0, 1]);
        var r = new DnsMessageReader(message.ToArray());
        Assert.False(r.TryReadQuestion(out _));
        Assert.Equal(DnsDropReason.NameTooLong, r.Error);
    }

    [Fact]
    public void TryValidateAll_EveryTruncatedPrefix_FailsWithReason()
    {
        var message = SampleResponse();
        for (var n = 0; n < message.Length; n++)
        {
            var r = new DnsMessageReader(message.AsSpan(0, n));
            Assert.False(r.TryValidateAll(), $"prefix {n} accepted");
            Assert.NotEqual(DnsDropReason.None, r.Error);
        }
        Assert.True(new DnsMessageReader(message).TryValidateAll());
    }

    private static int WriteSmall(byte[] buffer)
    {
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(Name("www.example.test"), 1, 1);
        w.TryWriteNameRecord(1, Name("www.example.test"), DnsType.CNAME, 60, Name("b.example.test"));
        w.TryWriteAddressRecord(1, Name("b.example.test"), IPAddress.Parse("192.0.2.7"), 30);
        return w.Finish(1, 0);
    }

    [Fact]
    public void Finish_EveryTooSmallBuffer_ReportsOverflowNotException()
    {
        var full = WriteSmall(new byte[512]);
        Assert.True(full > 12);
        for (var size = 0; size < full; size++) Assert.Equal(-1, WriteSmall(new byte[size]));
        Assert.Equal(full, WriteSmall(new byte[full]));
    }

    [Theory]
    [InlineData("b.example.test", "b.example.test.")]
    [InlineData("b.example.test.", "b.example.test.")]
    [InlineData(".", ".")]
    [InlineData("a\\.b.test", "a\\.b.test.")]
    [InlineData("a\\032b.test", "a\\032b.test.")]
    public void ParseTextThenToText_RoundTrips(string text, string expected) =>
        Assert.Equal(expected, DnsName.ToText(DnsName.ParseText(text)));

    [Theory]
    [InlineData("a..b")]
    [InlineData("..")]
    [InlineData("a\\999.b")]
    public void TryParseText_Invalid_IsRefused(string text) => Assert.False(DnsName.TryParseText(text, out _, out _));

    [Fact]
    public void TryParseText_LabelOf64_IsRefused() => Assert.False(DnsName.TryParseText(new string('x', 64) + ".test", out _, out _));

    [Fact]
    public void WireEquals_DifferentCase_IsEqualAndHashesAgree()
    {
        var a = Name("B.Example.TEST");
        var b = Name("b.example.test");
        Assert.True(DnsName.WireEquals(a, b));
        Assert.Equal(DnsName.WireHash(a), DnsName.WireHash(b));
    }

    private static readonly Gen<byte[]> GenName =
        Gen.Char['a', 'z'].Array[1, 20].Select(c => new string(c)).Array[1, 5].Select(labels => Name(string.Join('.', labels)));

    [Fact]
    public void WriteThenRead_RandomNamesAndRecords_RoundTripWithCompression()
    {
        Gen.Select(GenName.Array[1, 12], Gen.Byte.Array[0, 40].Array[12]).Sample((names, rdatas) =>
        {
            var buffer = new byte[8192];
            var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
            Assert.True(w.TryWriteQuestion(names[0], 1, 1));
            for (var i = 0; i < names.Length; i++)
                Assert.True(w.TryWriteRecord(1 + i % 3, names[i], (ushort)(1000 + i), 1, (uint)i, rdatas[i]));
            var length = w.Finish(7, DnsHeader.QrBit);
            var message = buffer.AsSpan(0, length);
            var r = new DnsMessageReader(message);
            Assert.True(r.TryReadQuestion(out _));
            Span<byte> name = stackalloc byte[255];
            for (var i = 0; i < names.Length; i++)
            {
                Assert.True(r.TryReadRecord(out var record), r.Error.ToString());
                Assert.True(DnsName.TryRead(message, record.NameOffset, name, out var n, out _, out _));
                Assert.True(DnsName.WireEquals(names[i], name[..n]));
                Assert.Equal(1000 + i, record.Type);
                Assert.True(record.Rdata(message).SequenceEqual(rdatas[i]));
            }
            Assert.Equal(length, r.Position);
        });
    }

    [Fact]
    public void TryValidateAll_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var r = new DnsMessageReader(bytes);
            r.TryValidateAll();
        }, iter: 20000);
    }

    [Fact]
    public void TryValidateAll_MutatedValidMessage_NeverThrows()
    {
        var valid = SampleResponse();
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte).Array[1, 6].Sample(mutations =>
        {
            var copy = (byte[])valid.Clone();
            foreach (var (at, value) in mutations) copy[at] = value;
            var r = new DnsMessageReader(copy);
            if (r.TryValidateAll())
            {
                // whatever is read must stay inside the message
                var again = new DnsMessageReader(copy);
                while (again.TryReadRecord(out var rec)) Assert.True(rec.End <= copy.Length);
            }
        }, iter: 20000);
    }
}
